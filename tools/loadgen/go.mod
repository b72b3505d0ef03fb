module multicluster-metrics/tools/loadgen

go 1.26.0

tool multicluster-metrics/tools/loadgen
