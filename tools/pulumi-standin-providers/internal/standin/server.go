package standin

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Provider describes one stand-in plugin.
type Provider struct {
	// Name is the package name (random, tls, minio); Version the npm package's version, which
	// the program asks the engine for.
	Name    string
	Version string
	// Resources by type token.
	Resources map[string]Resource
	// Configure, when set, receives the provider configuration: keys without the
	// "<name>:config:" prefix, values revealed (secrets unwrapped).
	Configure func(ctx context.Context, config resource.PropertyMap) error
}

// Main serves the provider to the engine that started this process, and exits on failure.
func Main(p Provider) {
	err := provider.Main(p.Name, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{p: p}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	p Provider
}

// Secrets and unknowns travel as such both ways (Configure says the provider accepts secrets).
var wire = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, wire)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, wire)
}

func (s *server) resource(token string) (Resource, error) {
	r, ok := s.p.Resources[token]
	if !ok {
		return nil, fmt.Errorf("%s: the stand-in %s provider does not implement this resource type (it implements %s)", token, s.p.Name, strings.Join(s.tokens(), ", "))
	}
	return r, nil
}

func (s *server) tokens() []string {
	tokens := make([]string, 0, len(s.p.Resources))
	for token := range s.p.Resources {
		tokens = append(tokens, token)
	}
	return tokens
}

// typeOf is the resource type of a request: its Type field, else the URN's.
func typeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	if u, err := resource.ParseURN(urn); err == nil {
		return string(u.Type())
	}
	return urn
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.p.Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, s.p.Name, s.p.Version)}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig: a changed setting is applied in place (the provider is reconfigured), never a replacement.
func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(oldInputs(req))
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var changes []Change
	for key := range keyUnion(olds, news) {
		if !Equal(olds[key], news[key]) {
			changes = append(changes, Change{Property: string(key)})
		}
	}
	return diffResponse(changes, olds, news), nil
}

func (s *server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if s.p.Configure != nil {
		config, err := s.config(req)
		if err != nil {
			return nil, err
		}
		if err := s.p.Configure(ctx, config); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

// config reads the configuration from args (newer engines) or from variables keyed "<name>:config:<key>".
func (s *server) config(req *pulumirpc.ConfigureRequest) (resource.PropertyMap, error) {
	if req.GetArgs() != nil {
		m, err := plugin.UnmarshalProperties(req.GetArgs(), plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true})
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	m := resource.PropertyMap{}
	prefix := s.p.Name + ":config:"
	for key, value := range req.GetVariables() {
		m[resource.PropertyKey(strings.TrimPrefix(key, prefix))] = resource.NewStringProperty(value)
	}
	return m, nil
}

func keyUnion(a, b resource.PropertyMap) map[resource.PropertyKey]bool {
	keys := map[resource.PropertyKey]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// oldInputs are the inputs the resource was last created or updated from; engines that do not
// send them send the old state, which holds the inputs too.
func oldInputs(req interface {
	GetOldInputs() *structpb.Struct
	GetOlds() *structpb.Struct
}) *structpb.Struct {
	if in := req.GetOldInputs(); in != nil && len(in.GetFields()) > 0 {
		return in
	}
	return req.GetOlds()
}
