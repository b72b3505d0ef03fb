"""Installs the log retention policy in OpenSearch Index State Management (ISM).

Run by a Kubernetes Job once the OpenSearch release is ready, and again whenever the
policy changes. It creates the policy, or updates it in place (ISM only accepts an update
that names the stored policy's _seq_no and _primary_term), then attaches it to the log
indices that already exist: the policy's ism_template only catches indices created after
it, and managed indices keep the policy version they started with until moved to the new
one.

Environment: OPENSEARCH_URL, OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD, POLICY_ID,
INDEX_PATTERN, POLICY_FILE; OPENSEARCH_CA_FILE (the CA OpenSearch's certificate is
verified against, host name included; the system's CAs without it), WAIT_SECONDS (how long
to wait for the cluster, 600) and RETRY_SECONDS (pause between attempts, 5) are optional.
"""
import base64
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

URL = os.environ["OPENSEARCH_URL"].rstrip("/")
POLICY_ID = os.environ["POLICY_ID"]
INDEX_PATTERN = os.environ["INDEX_PATTERN"]
POLICY_FILE = os.environ["POLICY_FILE"]
WAIT_SECONDS = float(os.environ.get("WAIT_SECONDS", "600"))
RETRY_SECONDS = float(os.environ.get("RETRY_SECONDS", "5"))

_credentials = f"{os.environ['OPENSEARCH_USERNAME']}:{os.environ['OPENSEARCH_PASSWORD']}".encode()
HEADERS = {"Authorization": "Basic " + base64.b64encode(_credentials).decode(), "Content-Type": "application/json"}

# Verifies the certificate chain and the host name.
TLS = ssl.create_default_context(cafile=os.environ.get("OPENSEARCH_CA_FILE"))


def parse(raw):
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"body": raw.decode(errors="replace")[:500]}


def request(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method, headers=HEADERS)
    try:
        with urllib.request.urlopen(req, context=TLS, timeout=30) as resp:
            return resp.status, parse(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, parse(err.read())


def wait_for_cluster():
    """The release is ready once the pods listen; the security index may still be initialising."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            status, body = request("GET", "/_cluster/health")
            if status == 200 and body.get("status") in ("green", "yellow"):
                return
            reason = f"HTTP {status} {body}"
        except (urllib.error.URLError, OSError) as err:
            reason = str(err)
        if time.monotonic() >= deadline:
            sys.exit(f"OpenSearch at {URL} not ready after {WAIT_SECONDS:g}s: {reason}")
        print(f"waiting for OpenSearch: {reason}", flush=True)
        time.sleep(RETRY_SECONDS)


def put_policy(policy):
    path = f"/_plugins/_ism/policies/{POLICY_ID}"
    status, current = request("GET", path)
    if status == 200:
        path += f"?if_seq_no={current['_seq_no']}&if_primary_term={current['_primary_term']}"
    elif status != 404:
        sys.exit(f"reading policy {POLICY_ID}: HTTP {status} {current}")
    status, body = request("PUT", path, policy)
    if status not in (200, 201):
        sys.exit(f"writing policy {POLICY_ID}: HTTP {status} {body}")
    print(f"policy {POLICY_ID} {'updated' if '?' in path else 'created'}", flush=True)


def apply_to_existing(action, what):
    status, body = request("POST", f"/_plugins/_ism/{action}/{INDEX_PATTERN}", {"policy_id": POLICY_ID})
    if status == 404:
        print(f"{what}: no index matches {INDEX_PATTERN}", flush=True)
    elif status == 200:
        # Indices that already carry the policy (add) or none (change_policy) are reported as failed: expected.
        print(f"{what}: {body.get('updated_indices', 0)} indices", flush=True)
    else:
        sys.exit(f"{what}: HTTP {status} {body}")


def main():
    with open(POLICY_FILE, encoding="utf-8") as fh:
        policy = json.load(fh)
    wait_for_cluster()
    put_policy(policy)
    apply_to_existing("add", "policy attached to unmanaged indices")
    apply_to_existing("change_policy", "managed indices moved to this policy version")


if __name__ == "__main__":
    main()
