// Package standin holds what the stand-in provider plugins share: the gRPC server the Pulumi
// engine talks to, property (un)marshalling, and a small per-resource interface with a schema
// that fills defaults, rejects properties a stand-in does not implement, and diffs inputs.
package standin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// State is what the engine holds for one resource: its id, the inputs it was created from
// (after Check) and its outputs.
type State struct {
	ID      string
	Inputs  resource.PropertyMap
	Outputs resource.PropertyMap
}

// Failure is an invalid input, reported by Check before anything is created.
type Failure struct {
	Property string
	Reason   string
}

// Change is one property a Diff found different.
type Change struct {
	Property string
	// Replace: the change needs a new resource (else Update applies it in place).
	Replace bool
	// OutputOnly: an output, not an input, calls for the change (e.g. a certificate due for renewal).
	OutputOnly bool
}

// Resource is one resource type of a stand-in provider.
type Resource interface {
	// Check validates the new inputs and returns them with defaults filled in.
	Check(ctx context.Context, olds, news resource.PropertyMap) (resource.PropertyMap, []Failure, error)
	// Diff compares the old state with the checked new inputs; no changes means nothing to do.
	Diff(ctx context.Context, old State, news resource.PropertyMap) ([]Change, error)
	// Create makes the resource; in a preview it returns unknowns for what it cannot know yet.
	Create(ctx context.Context, inputs resource.PropertyMap, preview bool) (string, resource.PropertyMap, error)
	// Read returns the real state; an empty ID means the resource is gone.
	Read(ctx context.Context, old State) (State, error)
	// Update applies in-place changes (those Diff did not mark Replace).
	Update(ctx context.Context, old State, news resource.PropertyMap, preview bool) (resource.PropertyMap, error)
	Delete(ctx context.Context, old State) error
}

// Kind is the type an input must have.
type Kind int

const (
	KindString Kind = iota
	KindBool
	KindInt
	KindStrings
	KindStringMap
	KindObject
)

func (k Kind) String() string {
	return [...]string{"a string", "a boolean", "an integer", "a list of strings", "a map of strings", "an object"}[k]
}

// Input is one input property a stand-in implements.
type Input struct {
	Name     string
	Kind     Kind
	Required bool
	// Default is filled in by Check when the input is unset (a zero PropertyValue: none).
	Default resource.PropertyValue
	// InPlace: a change is applied by Update rather than by replacing the resource.
	InPlace bool
}

// Schema lists the inputs of one resource type, the only ones its Check accepts.
type Schema []Input

// Check copies the declared inputs of news, fills defaults, and reports missing required
// inputs, known values of the wrong type, and properties the stand-in does not implement.
func (s Schema) Check(news resource.PropertyMap) (resource.PropertyMap, []Failure) {
	inputs := resource.PropertyMap{}
	var failures []Failure
	for key, value := range news {
		if s.find(string(key)) == nil && !value.IsNull() {
			failures = append(failures, Failure{string(key), fmt.Sprintf("%s is not implemented by this stand-in provider (it implements %s)", key, s.names())})
		}
	}
	for _, in := range s {
		value, ok := news[resource.PropertyKey(in.Name)]
		switch {
		case ok && !value.IsNull():
			inputs[resource.PropertyKey(in.Name)] = value
			if reason := kindMismatch(in.Kind, value); reason != "" {
				failures = append(failures, Failure{in.Name, fmt.Sprintf("%s must be %s%s", in.Name, in.Kind, reason)})
			}
		case in.Default.V != nil:
			inputs[resource.PropertyKey(in.Name)] = in.Default
		case in.Required:
			failures = append(failures, Failure{in.Name, fmt.Sprintf("missing required property %s", in.Name)})
		}
	}
	return inputs, failures
}

// Diff lists the declared inputs whose values differ (an unknown new value counts as a change).
func (s Schema) Diff(oldInputs, news resource.PropertyMap) []Change {
	var changes []Change
	for _, in := range s {
		key := resource.PropertyKey(in.Name)
		if !Equal(oldInputs[key], news[key]) {
			changes = append(changes, Change{Property: in.Name, Replace: !in.InPlace})
		}
	}
	return changes
}

func (s Schema) find(name string) *Input {
	i := slices.IndexFunc(s, func(in Input) bool { return in.Name == name })
	if i < 0 {
		return nil
	}
	return &s[i]
}

func (s Schema) names() string {
	names := make([]string, len(s))
	for i, in := range s {
		names[i] = in.Name
	}
	return strings.Join(names, ", ")
}

// kindMismatch returns "" when a known value has the kind, else a note on what it is.
func kindMismatch(kind Kind, value resource.PropertyValue) string {
	v := Reveal(value)
	if v.IsComputed() {
		return ""
	}
	ok := false
	switch kind {
	case KindString:
		ok = v.IsString()
	case KindBool:
		ok = v.IsBool()
	case KindInt:
		ok = v.IsNumber() && v.NumberValue() == float64(int64(v.NumberValue()))
	case KindStrings:
		ok = v.IsArray() && !slices.ContainsFunc(v.ArrayValue(), func(e resource.PropertyValue) bool { return !e.IsString() && !e.IsComputed() })
	case KindStringMap:
		ok = v.IsObject() && !slices.ContainsFunc(mapValues(v.ObjectValue()), func(e resource.PropertyValue) bool { return !e.IsString() && !e.IsComputed() })
	case KindObject:
		ok = v.IsObject()
	}
	if ok {
		return ""
	}
	return fmt.Sprintf(" (got %v)", v.TypeString())
}

func mapValues(m resource.PropertyMap) []resource.PropertyValue {
	values := make([]resource.PropertyValue, 0, len(m))
	for _, v := range m {
		values = append(values, Reveal(v))
	}
	return values
}

// ReadLogical is Read for a resource that lives only in the state (a key, a password): the
// state as it is. Importing one (an id without state) is not implemented.
func ReadLogical(old State, token string) (State, error) {
	if len(old.Outputs) == 0 {
		return State{}, fmt.Errorf("%s: import is not implemented by this stand-in provider", token)
	}
	return old, nil
}
