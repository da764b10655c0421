package federation_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hjx-exchange/hjx/internal/federation"
)

// TestNewClient: concurrent queries each ask a node once, so the coordinator
// keeps a connection per query in flight; the next round of as many queries opens
// none (Go's default client would keep 2 and dial the rest again).
func TestNewClient(t *testing.T) {
	t.Parallel()
	t.Run("OKKeepsConnectionsOfConcurrentQueries", func(t *testing.T) {
		const inFlight = 8
		var (
			dialed  atomic.Int64
			mu      sync.Mutex
			arrived int
			all     chan struct{}
		)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A barrier: every request of the round is in flight at once.
			mu.Lock()
			arrived++
			ch := all
			if arrived == inFlight {
				close(all)
			}
			mu.Unlock()
			<-ch
			_, _ = io.WriteString(w, "{}\n")
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				dialed.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		client := federation.NewClient(nil)
		round := func() {
			mu.Lock()
			arrived, all = 0, make(chan struct{})
			mu.Unlock()
			var wg sync.WaitGroup
			for range inFlight {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := client.Post(srv.URL, "application/json", nil)
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
				}()
			}
			wg.Wait()
		}
		round()
		first := dialed.Load()
		round()
		if again := dialed.Load() - first; first != inFlight || again != 0 {
			t.Errorf("dialed %d connections for the first %d queries and %d more for the next %d, want %d and 0",
				first, inFlight, again, inFlight, inFlight)
		}
	})
}
