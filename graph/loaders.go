package graph

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/hjx-exchange/hjx/internal/directory"
	"github.com/hjx-exchange/hjx/internal/governance"
	"github.com/hjx-exchange/hjx/internal/hjx"
	"github.com/hjx-exchange/hjx/internal/ingest"
)

// loaders batch the lookups that nested fields make, so a list of N rows costs one
// query per kind of related object, not N. They live for one request only, so no
// stale object survives into the next request.
type loaders struct {
	partners   *dataloadgen.Loader[string, *directory.Partner]
	principals *dataloadgen.Loader[string, *hjx.Principal]
	projects   *dataloadgen.Loader[string, *governance.Project]
	// submissions are scoped by the request's principal, like every read.
	submissions *dataloadgen.Loader[string, *ingest.Submission]
}

type loadersKey struct{}

func withLoaders(r *Resolver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		l := &loaders{
			partners: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*directory.Partner, error) {
				return r.Directory.GetMany(ctx, ids)
			}, dataloadgen.WithWait(time.Millisecond)),
			principals: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*hjx.Principal, error) {
				return r.Auth.PrincipalsByID(ctx, ids)
			}, dataloadgen.WithWait(time.Millisecond)),
			// Projects are scoped by the request's principal: a project it may not
			// see is not found, as in the project query.
			projects: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*governance.Project, error) {
				return r.Governance.ProjectsByID(ctx, hjx.PrincipalFrom(req.Context()), ids)
			}, dataloadgen.WithWait(time.Millisecond)),
			submissions: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*ingest.Submission, error) {
				return r.Ingest.GetMany(ctx, hjx.PrincipalFrom(ctx), ids)
			}, dataloadgen.WithWait(time.Millisecond)),
		}
		next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), loadersKey{}, l)))
	})
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}

// loadPartner returns one partner through the request's loader, NOT_FOUND if absent.
func loadPartner(ctx context.Context, id string) (*directory.Partner, error) {
	p, err := loadersFrom(ctx).partners.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, hjx.NotFound("partner")
	}
	return p, err
}

// loadProject returns one project the request's principal may see, NOT_FOUND otherwise.
func loadProject(ctx context.Context, id string) (*governance.Project, error) {
	p, err := loadersFrom(ctx).projects.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, hjx.NotFound("project")
	}
	return p, err
}

// loadSubmissions returns the submissions with these ids that the principal may see,
// in order, through the request's loader; ids it may not see are left out.
func loadSubmissions(ctx context.Context, ids []string) ([]*ingest.Submission, error) {
	subs, err := loadersFrom(ctx).submissions.LoadAll(ctx, ids)
	var errs dataloadgen.ErrorSlice
	if err != nil && !errors.As(err, &errs) {
		return nil, err
	}
	out := make([]*ingest.Submission, 0, len(ids))
	for i, s := range subs {
		if errs != nil && errs[i] != nil {
			if errors.Is(errs[i], dataloadgen.ErrNotFound) {
				continue
			}
			return nil, errs[i]
		}
		out = append(out, s)
	}
	return out, nil
}
