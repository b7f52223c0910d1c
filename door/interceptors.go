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

// OrPrincipal is ctx acting for p unless it already acts for someone.
func OrPrincipal(ctx context.Context, p Principal) context.Context {
	if _, ok := principalFrom(ctx); ok {
		return ctx
	}
	return WithPrincipal(ctx, p)
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
		if err := o.sign(ctx, Claim{Principal: p, WorkflowID: in.WorkflowID, Update: in.UpdateName, UpdateID: in.UpdateID}, in.Args); err != nil {
			return nil, err
		}
	}
	return o.Next.UpdateWorkflow(ctx, in)
}

// ExecuteWorkflow signs the start of a task: the principal in ctx, or the
// launcher, bound to the workflow ID and its exact input.
func (o *clientOutbound) ExecuteWorkflow(ctx context.Context, in *interceptor.ClientExecuteWorkflowInput) (client.WorkflowRun, error) {
	if in.WorkflowType == workflows.WorkflowName || in.WorkflowType == domain.RoundWorkflow {
		p, ok := principalFrom(ctx)
		if !ok {
			p = Launcher
		}
		if err := o.sign(ctx, Claim{Principal: p, WorkflowID: in.Options.ID, Update: Start}, in.Args); err != nil {
			return nil, err
		}
	}
	return o.Next.ExecuteWorkflow(ctx, in)
}

// sign puts c, bound to the call's one argument and issued now, in the
// call's header.
func (o *clientOutbound) sign(ctx context.Context, c Claim, args []any) error {
	if len(args) != 1 {
		return fmt.Errorf("sign principal: %s takes one argument, not %d", c.Update, len(args))
	}
	var err error
	if c.Input, err = InputHash(args[0]); err != nil {
		return err
	}
	c.IssuedAt = time.Now().UTC()
	b, err := o.key.Sign(c)
	if err != nil {
		return fmt.Errorf("sign principal: %w", err)
	}
	h := interceptor.Header(ctx)
	if h == nil {
		return errors.New("sign principal: the call carries no header")
	}
	h[HeaderKey] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)}, Data: b}
	return nil
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

// ExecuteWorkflow refuses a task started without a valid claim for it, or
// with a carried state, before the workflow records or notifies anything.
// The workflow's own continue-as-new and its replays pass: the first is
// made by the workflow, the second was checked when it first ran (so a
// rotated key never stops a running task).
func (i *workflowInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	info := workflow.GetInfo(ctx)
	if info.ContinuedExecutionRunID == "" && !workflow.IsReplaying(ctx) {
		var err error
		switch info.WorkflowType.Name {
		case workflows.WorkflowName:
			err = i.checkStart(ctx, in)
		case domain.RoundWorkflow:
			err = i.checkRound(ctx, in)
		}
		if err != nil {
			workflow.GetLogger(ctx).Error("start refused", "workflow", info.WorkflowExecution.ID, "error", err)
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeUnauthorized, nil)
		}
	}
	return i.Next.ExecuteWorkflow(ctx, in)
}

// checkRound lets a reporting round start when the office started it by
// hand through lianxi (a signed claim, as a task's start), or when its
// input carries the office's grant, given when the office created the
// cycle whose schedule starts it.
func (i *workflowInbound) checkRound(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) error {
	if len(in.Args) != 1 {
		return fmt.Errorf("a reporting round starts with one input, not %d", len(in.Args))
	}
	if _, ok := interceptor.WorkflowHeader(ctx)[HeaderKey]; ok {
		return i.checkClaim(ctx, in, "start reporting rounds")
	}
	msg, err := domain.GrantMessage(in.Args[0])
	if err != nil {
		return err
	}
	if !i.key.CheckGrant(msg, domain.GrantOf(in.Args[0])) {
		return errors.New("the reporting round carries neither a signed principal nor the office's grant: rounds start from cycles the office created through lianxi, or by hand through lianxi, not from a bare Temporal client")
	}
	return checkGrantedRound(ctx, in.Args[0])
}

func (i *workflowInbound) checkStart(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) error {
	if len(in.Args) != 1 {
		return fmt.Errorf("a task starts with one input, not %d", len(in.Args))
	}
	if ti, ok := in.Args[0].(workflows.TaskInput); !ok || ti.State != nil {
		return errors.New("a task's first run starts without carried state: only the workflow's own continue-as-new passes one")
	}
	if _, ok := interceptor.WorkflowHeader(ctx)[HeaderKey]; !ok {
		return errors.New("the start carries no signed principal: tasks are launched through lianxi (plan launch, the console or dev), not a bare Temporal client")
	}
	return i.checkClaim(ctx, in, "launch tasks")
}

// checkClaim checks a start's signed claim: issued for this start, to the
// office, lately, for this very input.
func (i *workflowInbound) checkClaim(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput, what string) error {
	c, err := i.key.Verify(interceptor.WorkflowHeader(ctx)[HeaderKey].GetData())
	if err != nil {
		return err
	}
	info := workflow.GetInfo(ctx)
	switch {
	case c.Update != Start || c.WorkflowID != info.WorkflowExecution.ID:
		return fmt.Errorf("the signed principal was issued for another call (%s on %s)", c.Update, c.WorkflowID)
	case c.Role != RoleOffice:
		return fmt.Errorf("only the office may %s; %s may not", what, c.Name)
	case c.IssuedAt.Before(info.WorkflowStartTime.Add(-Validity)) || c.IssuedAt.After(info.WorkflowStartTime.Add(Validity)):
		return fmt.Errorf("the signed principal was issued at %s, more than %s from the start", c.IssuedAt.Format(time.RFC3339), Validity)
	}
	if h, err := InputHash(in.Args[0]); err != nil || h != c.Input {
		return errors.New("the signed principal was issued for another input than the one the task started with")
	}
	return nil
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
	if !ok && in.Name != domain.UpdateConverge {
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
	case len(in.Args) != 1:
		return fmt.Errorf("%s takes one request", in.Name)
	}
	if h, err := InputHash(in.Args[0]); err != nil || h != c.Input {
		return fmt.Errorf("the signed principal was issued for another request body than the one sent with %s %s", in.Name, c.UpdateID)
	}
	if now := workflow.Now(ctx); c.IssuedAt.Before(now.Add(-Validity)) || c.IssuedAt.After(now.Add(Validity)) {
		return fmt.Errorf("the signed principal was issued at %s, more than %s from now; send the request again", c.IssuedAt.Format(time.RFC3339), Validity)
	}
	if act == nil {
		// Any signed principal may ask a task to adopt what its own ledger
		// holds: it decides nothing new.
		return nil
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
