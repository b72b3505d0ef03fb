package standin

import (
	"encoding/json"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Reveal strips secret wrappers, at any depth, for reading and comparing values.
func Reveal(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return Reveal(v.SecretValue().Element)
	case v.IsArray():
		elems := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			elems[i] = Reveal(e)
		}
		return resource.NewArrayProperty(elems)
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = Reveal(e)
		}
		return resource.NewObjectProperty(m)
	}
	return v
}

// Equal compares two values ignoring secretness; an unknown value equals nothing.
func Equal(a, b resource.PropertyValue) bool {
	if a.ContainsUnknowns() || b.ContainsUnknowns() {
		return false
	}
	return Reveal(a).DeepEquals(Reveal(b))
}

// Known reports whether every named property of m is known (null counts as known).
func Known(m resource.PropertyMap, keys ...string) bool {
	for _, key := range keys {
		if m[resource.PropertyKey(key)].ContainsUnknowns() {
			return false
		}
	}
	return true
}

// String is the revealed string value of m[key]; ok is false when unset, unknown or not a string.
func String(m resource.PropertyMap, key string) (string, bool) {
	v := Reveal(m[resource.PropertyKey(key)])
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// Bool is the revealed boolean value of m[key], also accepting "true"/"false" (provider
// configuration arrives JSON-encoded); def when unset or unknown.
func Bool(m resource.PropertyMap, key string, def bool) bool {
	v := Reveal(m[resource.PropertyKey(key)])
	switch {
	case v.IsBool():
		return v.BoolValue()
	case v.IsString():
		if b, err := strconv.ParseBool(v.StringValue()); err == nil {
			return b
		}
	}
	return def
}

// Int is the revealed number value of m[key] as an int; def when unset or unknown.
func Int(m resource.PropertyMap, key string, def int) int {
	v := Reveal(m[resource.PropertyKey(key)])
	if !v.IsNumber() {
		return def
	}
	return int(v.NumberValue())
}

// Strings is the revealed list of strings of m[key] (unknown or non-string elements skipped).
func Strings(m resource.PropertyMap, key string) []string {
	v := Reveal(m[resource.PropertyKey(key)])
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// Object is the revealed object value of m[key], empty when unset or unknown.
func Object(m resource.PropertyMap, key string) resource.PropertyMap {
	v := Reveal(m[resource.PropertyKey(key)])
	if !v.IsObject() {
		return resource.PropertyMap{}
	}
	return v.ObjectValue()
}

// SecretString is a string output the engine stores encrypted and never prints.
func SecretString(s string) resource.PropertyValue {
	return resource.MakeSecret(resource.NewStringProperty(s))
}

// Unknown is an output a preview cannot know yet.
func Unknown() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// Outputs is the state of a resource: its inputs (secretness kept) plus the computed outputs.
func Outputs(inputs resource.PropertyMap, computed map[string]resource.PropertyValue) resource.PropertyMap {
	out := inputs.Copy()
	for k, v := range computed {
		out[resource.PropertyKey(k)] = v
	}
	return out
}

// UnknownOutputs is the state a preview returns: inputs plus each named output unknown.
func UnknownOutputs(inputs resource.PropertyMap, names ...string) resource.PropertyMap {
	computed := map[string]resource.PropertyValue{}
	for _, name := range names {
		computed[name] = Unknown()
	}
	return Outputs(inputs, computed)
}

// JSONEqual reports whether two JSON documents hold the same value (formatting aside).
func JSONEqual(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	ca, _ := json.Marshal(va)
	cb, _ := json.Marshal(vb)
	return string(ca) == string(cb)
}
