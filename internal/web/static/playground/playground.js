// A small, dependency-free GraphQL playground: everything it needs is served by hjx.
(function () {
  "use strict";
  var examples = {
    "Directory (public)": "{\n  partners(first: 20) {\n    totalCount\n    edges { node { id name country region model healthSettings } }\n  }\n}",
    "Codebook (public)": "{\n  metrics { code kind unit instrument rangeMin rangeMax title source }\n}",
    "Who am I (any token)": "{\n  me { id name role partner { id name } }\n}",
    "UK partners in GP practices": "{\n  partners(filter: {country: GB, healthSetting: PRIMARY_CARE}) {\n    totalCount\n    edges { node { id name region } }\n  }\n}"
  };
  var $ = function (id) { return document.getElementById(id); };
  var select = $("examples");
  Object.keys(examples).forEach(function (name) {
    var o = document.createElement("option");
    o.textContent = name;
    select.appendChild(o);
  });
  select.addEventListener("change", function () { $("query").value = examples[select.value]; });
  $("query").value = examples[select.value];
  $("token").value = sessionStorage.getItem("hjx-token") || "";
  $("run").addEventListener("click", function () {
    var token = $("token").value.trim();
    sessionStorage.setItem("hjx-token", token);
    var vars;
    try { vars = JSON.parse($("variables").value || "{}"); } catch (e) { $("result").textContent = "Variables are not valid JSON: " + e.message; return; }
    var headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    $("result").textContent = "…";
    fetch("/graphql", { method: "POST", headers: headers, body: JSON.stringify({ query: $("query").value, variables: vars }) })
      .then(function (r) { return r.json(); })
      .then(function (j) { $("result").textContent = JSON.stringify(j, null, 2); })
      .catch(function (e) { $("result").textContent = "Request failed: " + e.message; });
  });
})();
