#!/usr/bin/env bash
# Build the real Kubernetes control plane the conformance lane (pytest -m realk8s) runs on, from
# the Go module proxy, once, into a cache reused by every later run on this machine:
#   kube-apiserver, kube-controller-manager, kube-scheduler  k8s.io/kubernetes  $K8S_VERSION
#   etcd                                                      go.etcd.io/etcd/server/v3 $ETCD_VERSION
#   kwok (simulated nodes: pod status and IPs, no containers) sigs.k8s.io/kwok  $KWOK_VERSION
#     with the Stage files its module ships (kustomize/stage: node-initialize, node-heartbeat,
#     pod-ready, pod-complete, pod-delete), which the kwok binary needs as --config
#
# k8s.io/kubernetes is not meant to be a dependency: its go.mod requires the staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and replaces them with ./staging in its own tree.
# A module of ours that requires it builds once each of those is replaced with the release of the
# same minor number (Kubernetes 1.34.4 <-> k8s.io/api v0.34.4), which is what the project publishes
# the staging tree as. The version the binaries report is set through -ldflags, as the project's
# own build (hack/lib/version.sh) does; without it they report v0.0.0-master.
#
# Prints the bin directory last. Cold on 2 cores: see docs/realk8s.md.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.17}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
cache=${FLOTILLA_REALK8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flotilla/realk8s}
bin="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
say() { printf '[realk8s] %s\n' "$*" >&2; }

want=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok)
stages=(node/fast/node-initialize node/heartbeat/node-heartbeat pod/fast/pod-ready
        pod/fast/pod-complete pod/fast/pod-delete)
missing=()
for b in "${want[@]}"; do [ -x "$bin/$b" ] || missing+=("$b"); done
for s in "${stages[@]}"; do [ -f "$bin/../stages/${s##*/}.yaml" ] || missing+=("$s"); done
if [ ${#missing[@]} -eq 0 ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { say "Go >= 1.24 is needed to build the control plane"; exit 1; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
work=$(mktemp -d -t flotilla-realk8s-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$bin"
started=$(date +%s)

build_kubernetes() {
  local mod staging minor
  mod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  minor=v0.${K8S_VERSION#v1.}
  mkdir -p "$work/k8s" && cd "$work/k8s"
  printf 'module flotilla.local/realk8s\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes %s\n' "$K8S_VERSION" >go.mod
  staging=$(sed -n 's/^[[:space:]]*\(k8s\.io\/[a-z0-9-]*\) v0\.0\.0$/\1/p' "$mod")
  for m in $staging; do go mod edit -replace "$m=$m@$minor"; done
  printf 'package realk8s\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler/app"\n)\n' >tools.go
  go mod tidy >/dev/null 2>&1 || true
  local minor_number=${K8S_VERSION#v1.}
  minor_number=${minor_number%%.*}
  local v=k8s.io/component-base/version
  local ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor_number"
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$bin/$b" ] && continue
    say "building $b $K8S_VERSION"
    go build -trimpath -ldflags "$ldflags" -o "$bin/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$bin/$b.tmp" "$bin/$b"
  done
}

build_etcd() {
  [ -x "$bin/etcd" ] && return 0
  say "building etcd $ETCD_VERSION"
  mkdir -p "$work/etcd" && cd "$work/etcd"
  printf 'module flotilla.local/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >go.mod
  # etcd's own main.go (go.etcd.io/etcd/v3) is this one call
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' >main.go
  go mod tidy >/dev/null
  go build -trimpath -ldflags "-s -w" -o "$bin/etcd.tmp" .
  mv "$bin/etcd.tmp" "$bin/etcd"
}

build_kwok() {
  if [ ! -x "$bin/kwok" ]; then
    say "building kwok $KWOK_VERSION"
    GOBIN="$work/gobin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    mv "$work/gobin/kwok" "$bin/kwok"
  fi
  local dir
  dir=$(cd "$work" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$bin/../stages"
  for s in "${stages[@]}"; do cp "$dir/kustomize/stage/$s.yaml" "$bin/../stages/"; done
}

build_kubernetes
build_etcd
build_kwok
say "built in $(( $(date +%s) - started )) s"
echo "$bin"
