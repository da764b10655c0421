package ecosystem_test

import (
	"encoding/json"
	"testing"

	"github.com/hjx-exchange/hjx/internal/testkit"
)

// TestApolloPersistedQueries runs apq.mjs: Apollo Client's persisted-queries
// link against the real server. The first run sends the hash alone, is told
// PERSISTED_QUERY_NOT_FOUND and resends the text with the hash; the second
// run sends the hash alone and is answered. Both get the codebook.
func TestApolloPersistedQueries(t *testing.T) {
	nodeDeps(t)
	env := testkit.New(t)
	out, err := node(t, nil, "apq.mjs", listen(t, env)+"/graphql")
	if err != nil {
		t.Fatalf("apq.mjs: %v\n%s", err, out)
	}
	var rep struct {
		Runs []struct {
			Metrics int
			Error   string
		}
		Requests []struct {
			Query      bool
			Sha256Hash string
			Status     int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("apq.mjs printed no report: %v\n%s", err, out)
	}
	t.Logf("requests: %+v", rep.Requests)
	for i, r := range rep.Runs {
		if r.Error != "" || r.Metrics == 0 {
			t.Errorf("run %d: %d metrics, error %q", i+1, r.Metrics, r.Error)
		}
	}
	want := []bool{false, true, false} // the text sent: hash alone, text and hash, hash alone
	if len(rep.Requests) != len(want) {
		t.Fatalf("%d requests, want %d (hash, text+hash, hash): %+v", len(rep.Requests), len(want), rep.Requests)
	}
	for i, r := range rep.Requests {
		if r.Query != want[i] || len(r.Sha256Hash) != 64 {
			t.Errorf("request %d: text %v hash %q, want text %v and a hash", i+1, r.Query, r.Sha256Hash, want[i])
		}
	}
	if rep.Requests[2].Status != 200 {
		t.Errorf("the hash alone, once known: status %d, want 200", rep.Requests[2].Status)
	}
}
