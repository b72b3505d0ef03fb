// pulumi-resource-kubernetes is upstream's provider main, built from the pinned module. Upstream
// embeds schema-embed.json and terraform-mapping-embed.json, which `go generate` makes and the
// module zip lacks; the build copies the zip's cmd/pulumi-resource-kubernetes/schema.json (with
// "version" set to the version passed to -X .../pkg/version.Version) and terraform-mapping.json
// next to this file first. They are never committed here.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var mapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, mapping)
}
