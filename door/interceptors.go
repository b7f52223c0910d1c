package door

import (
	"context"
	"errors"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/workflows"
)

type principalKey struct{}

// WithPrincipal marks ctx as acting for p: updates sent with it through a
// client built with ClientInterceptor carry p's signed claim.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ClientInterceptor signs the principal found in an update's context. The
// API's Temporal client uses it; nothing else holds the key.
func ClientInterceptor(k Key) interceptor.ClientInterceptor {
	return &clientInterceptor{key: k}
}

type clientInterceptor struct {
	interceptor.ClientInterceptorBase
	key Key
}

func (c *clientInterceptor) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	o := &clientOutbound{key: c.key}
	o.Next = next
	return o
}

type clientOutbound struct {
	interceptor.ClientOutboundInterceptorBase
	key Key
}

func (o *clientOutbound) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	if p, ok := principalFrom(ctx); ok {
		b, err := o.key.Sign(Claim{Principal: p, WorkflowID: in.WorkflowID, Update: in.UpdateName, UpdateID: in.UpdateID, IssuedAt: time.Now().UTC()})
		if err != nil {
			return nil, fmt.Errorf("sign principal: %w", err)
		}
		h := interceptor.Header(ctx)
		if h == nil {
			return nil, errors.New("sign principal: the update carries no header")
		}
		h[HeaderKey] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)}, Data: b}
	}
	return o.Next.UpdateWorkflow(ctx, in)
}

// WorkerInterceptor refuses task-lifecycle updates whose signed principal is
// missing, forged, stale or does not fit the update.
func WorkerInterceptor(k Key) interceptor.WorkerInterceptor {
	return &workerInterceptor{key: k}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	key Key
}

func (w *workerInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &workflowInbound{key: w.key}
	i.Next = next
	return i
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	key Key
}

// ValidateUpdate runs before the workflow's own validator, and like it only
// when an update is first delivered, never on replay.
func (i *workflowInbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	if workflow.GetInfo(ctx).WorkflowType.Name == workflows.WorkflowName {
		if err := i.check(ctx, in); err != nil {
			return temporal.NewApplicationError(err.Error(), ErrTypeUnauthorized)
		}
	}
	return i.Next.ValidateUpdate(ctx, in)
}

func (i *workflowInbound) check(ctx workflow.Context, in *interceptor.UpdateInput) error {
	act, ok := actions.ByName(in.Name)
	if !ok {
		return fmt.Errorf("update %q is not a lianxi action", in.Name)
	}
	p, ok := interceptor.WorkflowHeader(ctx)[HeaderKey]
	if !ok {
		return fmt.Errorf("%s carries no signed principal: people act through the lianxi API (lianxi serve), not a bare Temporal client", in.Name)
	}
	c, err := i.key.Verify(p.GetData())
	if err != nil {
		return err
	}
	info := workflow.GetInfo(ctx)
	switch {
	case c.WorkflowID != info.WorkflowExecution.ID || c.Update != in.Name || c.UpdateID != workflow.GetCurrentUpdateInfo(ctx).ID:
		return fmt.Errorf("the signed principal was issued for another update (%s %s on %s)", c.Update, c.UpdateID, c.WorkflowID)
	}
	if now := workflow.Now(ctx); c.IssuedAt.Before(now.Add(-Validity)) || c.IssuedAt.After(now.Add(Validity)) {
		return fmt.Errorf("the signed principal was issued at %s, more than %s from now; send the request again", c.IssuedAt.Format(time.RFC3339), Validity)
	}
	switch act.Who {
	case actions.Office:
		if c.Role != RoleOffice {
			return fmt.Errorf("%s is the office's action; %s may not perform it", in.Name, c.Name)
		}
	case actions.Participant:
		if c.Role != RoleMinistry || c.Ministry == "" {
			return fmt.Errorf("%s is a ministry's action; %s may not perform it", in.Name, c.Name)
		}
		if len(in.Args) != 1 {
			return fmt.Errorf("%s takes one request", in.Name)
		}
		r, ok := in.Args[0].(domain.MinistryRequest)
		if !ok || r.ActingMinistry() != c.Ministry {
			return fmt.Errorf("%s may act only in its own name, not for another ministry", c.Ministry)
		}
	default:
		return fmt.Errorf("%s: no rule says who may perform it", in.Name)
	}
	return nil
}
