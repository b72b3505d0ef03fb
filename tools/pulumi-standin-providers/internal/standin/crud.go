package standin

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The resource calls: decode the request, hand it to the Resource of its type, encode the answer.

func (s *server) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := s.resource(typeOf(req.GetType(), req.GetUrn()))
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	inputs, failures, err := r.Check(ctx, olds, news)
	if err != nil {
		return nil, err
	}
	out, err := marshal(inputs)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: out}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

// changeRequest is what Diff and Update both carry: the resource's type, its state, and the new inputs.
type changeRequest interface {
	GetType() string
	GetUrn() string
	GetId() string
	GetOldInputs() *structpb.Struct
	GetOlds() *structpb.Struct
	GetNews() *structpb.Struct
}

// decodeChange finds the Resource of a Diff or Update and decodes its old state and new inputs.
func (s *server) decodeChange(req changeRequest) (Resource, State, resource.PropertyMap, error) {
	r, err := s.resource(typeOf(req.GetType(), req.GetUrn()))
	if err != nil {
		return nil, State{}, nil, err
	}
	old, err := state(req.GetId(), oldInputs(req), req.GetOlds())
	if err != nil {
		return nil, State{}, nil, err
	}
	news, err := unmarshal(req.GetNews())
	return r, old, news, err
}

func (s *server) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, old, news, err := s.decodeChange(req)
	if err != nil {
		return nil, err
	}
	changes, err := r.Diff(ctx, old, news)
	if err != nil {
		return nil, err
	}
	return diffResponse(changes, old.Inputs, news), nil
}

// diffResponse lists the changes, each with its kind; DIFF_NONE when there are none.
func diffResponse(changes []Change, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	for _, c := range changes {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, c.Property)
		if c.Replace {
			resp.Replaces = append(resp.Replaces, c.Property)
		}
		key := resource.PropertyKey(c.Property)
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case c.OutputOnly:
		case olds[key].IsNull():
			kind = pulumirpc.PropertyDiff_ADD
		case news[key].IsNull():
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if c.Replace {
			kind++ // each kind's _REPLACE variant follows it
		}
		resp.DetailedDiff[c.Property] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: !c.OutputOnly}
	}
	return resp
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := s.resource(typeOf(req.GetType(), req.GetUrn()))
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, outputs, err := r.Create(ctx, inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	out, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, nil
}

func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := s.resource(typeOf(req.GetType(), req.GetUrn()))
	if err != nil {
		return nil, err
	}
	old, err := state(req.GetId(), req.GetInputs(), req.GetProperties())
	if err != nil {
		return nil, err
	}
	now, err := r.Read(ctx, old)
	if err != nil || now.ID == "" {
		return &pulumirpc.ReadResponse{}, err
	}
	props, err := marshal(now.Outputs)
	if err != nil {
		return nil, err
	}
	inputs, err := marshal(now.Inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: now.ID, Properties: props, Inputs: inputs}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, old, news, err := s.decodeChange(req)
	if err != nil {
		return nil, err
	}
	outputs, err := r.Update(ctx, old, news, req.GetPreview())
	if err != nil {
		return nil, err
	}
	out, err := marshal(outputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: out}, nil
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := s.resource(typeOf(req.GetType(), req.GetUrn()))
	if err != nil {
		return nil, err
	}
	old, err := state(req.GetId(), req.GetOldInputs(), req.GetProperties())
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, r.Delete(ctx, old)
}

// state decodes what the engine holds; without inputs, the outputs (which include them) stand in.
func state(id string, inputs, outputs *structpb.Struct) (State, error) {
	in, err := unmarshal(inputs)
	if err != nil {
		return State{}, err
	}
	out, err := unmarshal(outputs)
	if err != nil {
		return State{}, err
	}
	if len(in) == 0 {
		in = out
	}
	return State{ID: id, Inputs: in, Outputs: out}, nil
}
