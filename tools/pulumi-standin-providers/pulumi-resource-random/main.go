// Command pulumi-resource-random is a STAND-IN for the Pulumi random provider (@pulumi/random
// 4.21.2), for machines that cannot download the real plugin: this project's local engine
// tests run the real Pulumi CLI against it. It implements only what the program uses,
// random:index/randomPassword:RandomPassword, with the real provider's type token, property
// names, defaults and id, and a real password from crypto/rand; any other resource type or
// property fails Check with a message naming it. Users deploying the program install the
// real provider as usual (npm install @pulumi/random; the CLI fetches the plugin, or
// `pulumi plugin install resource random 4.21.2`).
package main

import "multicluster-metrics/tools/pulumi-standin-providers/internal/standin"

func main() {
	standin.Main(standin.Provider{
		Name:    "random",
		Version: "4.21.2",
		Resources: map[string]standin.Resource{
			"random:index/randomPassword:RandomPassword": randomPassword{},
		},
	})
}
