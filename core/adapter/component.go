package adapter

import (
	"context"
	"io"
)

// ctxKey is the context key of a Request[C]: a distinct type per C, so the
// states of two adapters never collide.
type ctxKey[C any] struct{}

// NewContext returns a context derived from ctx that carries r, for
// adapters whose framework hands handlers a context.Context (the request's
// context in net/http, gin and echo; fiber's user context), so that the
// Component finds the request's state there. The first call for r costs no
// allocation (the context lives in r); a ctx that already carries r, and a
// nil r, return ctx.
func NewContext[C any](ctx context.Context, r *Request[C]) context.Context {
	switch {
	case r == nil:
		return ctx
	case r.cv.r == nil:
		// The first context for r: no ctx can carry r yet, so the walk up
		// ctx's parents that FromContext makes is not needed.
		r.cv = requestContext[C]{Context: ctx, r: r}
		return &r.cv
	case FromContext[C](ctx) == r:
		return ctx
	}
	// A second context for the same request: the first one keeps its parent.
	return &requestContext[C]{Context: ctx, r: r}
}

// requestContext is the context NewContext returns: ctx with one value.
type requestContext[C any] struct {
	context.Context
	r *Request[C]
}

func (c *requestContext[C]) Value(key any) any {
	if _, ok := key.(ctxKey[C]); ok {
		return c.r
	}
	return c.Context.Value(key)
}

// ContextKey returns the key NewContext stores a Request[C] under, for
// frameworks whose own context type looks values up by key (fiber v3's Ctx
// and fasthttp's RequestCtx find their locals with Value).
func ContextKey[C any]() any { return ctxKey[C]{} }

// FromContext returns the Request[C] that ctx carries; nil if none, or if
// ctx is nil.
func FromContext[C any](ctx context.Context) *Request[C] {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(ctxKey[C]{}).(*Request[C])
	return r
}

// Component is a templ component (github.com/a-h/templ's templ.Component is
// any value with this Render method) that writes the snippet of the request
// whose context it is rendered with. Adapters return one from their
// Component function, so a templ page writes @intercomhttp.Component() and
// this module needs no templ import.
type Component struct {
	appendFor func(ctx context.Context, dst []byte) ([]byte, bool)
	warn      *Warning
}

// NewComponent returns the Component of an adapter: find returns the request
// state a context carries (nil find: FromContext), w logs the
// missing-middleware warning.
func NewComponent[C any](w *Warning, find func(context.Context) *Request[C]) Component {
	if find == nil {
		find = FromContext[C]
	}
	return Component{warn: w, appendFor: func(ctx context.Context, dst []byte) ([]byte, bool) {
		r := find(ctx)
		return r.AppendSnippet(dst), r != nil
	}}
}

// Render writes the snippet of the request ctx carries to w, with the
// request's nonce. Without request state in ctx (no middleware, a nil or
// unrelated context) it writes nothing, logs the missing-middleware warning
// once and returns nil, so the page still renders.
func (c Component) Render(ctx context.Context, w io.Writer) error {
	if c.appendFor == nil || ctx == nil {
		c.warn.miss()
		return nil
	}
	bp := bufPool.Get().(*[]byte)
	b, found := c.appendFor(ctx, (*bp)[:0])
	defer putBuf(bp, b)
	if !found {
		c.warn.miss()
		return nil
	}
	if len(b) == 0 {
		return nil
	}
	_, err := w.Write(b)
	return err
}
