// A GraphQL Inspector diff rule (check-schema): a breaking change whose path
// (Type.field, Type.field.argument, Enum.VALUE...) is listed in the file named
// by HJX_SCHEMA_ALLOWED, one per line, '#' starting a comment, is reported as
// dangerous instead of breaking. Any other breaking change names the path to
// list, so that allowing it is a deliberate, reviewed edit.
const fs = require('fs');

function allowedPaths() {
  const file = process.env.HJX_SCHEMA_ALLOWED;
  if (!file || !fs.existsSync(file)) return new Set();
  return new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}

module.exports = ({ changes }) => {
  const allowed = allowedPaths();
  return changes.map((change) => {
    if (change.criticality.level !== 'BREAKING') return change;
    if (allowed.has(change.path)) {
      return { ...change, criticality: { ...change.criticality, level: 'DANGEROUS' },
        message: `${change.message} (allowed: ${change.path} is in allowed-breaking.txt)` };
    }
    return { ...change, message: `${change.message} (path ${change.path}: deprecate it first, or list it in schema/released/allowed-breaking.txt)` };
  });
};
