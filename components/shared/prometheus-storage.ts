/** The operator's `storage` spec (kube-prometheus-stack's `prometheusSpec.storageSpec`) for Prometheus and its agents. */

export interface StorageSpec {
  volumeClaimTemplate: {
    spec: {
      accessModes: string[];
      storageClassName?: string;
      resources: { requests: { storage: string } };
    };
  };
}

/** One ReadWriteOnce volume per pod, of `storageSize`, on `storageClassName` or the cluster default. */
export function prometheusStorage(volume: { storageSize: string; storageClassName?: string }): StorageSpec {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ["ReadWriteOnce"],
        ...(volume.storageClassName ? { storageClassName: volume.storageClassName } : {}),
        resources: { requests: { storage: volume.storageSize } },
      },
    },
  };
}
