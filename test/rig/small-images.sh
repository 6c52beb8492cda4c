#!/usr/bin/env bash
# Builds the rig's two small images from this machine's own files, no registry needed:
#   $1  a registry image: Debian's docker-registry (distribution v2) binary, open (no auth) by
#       default; REGISTRY_* environment variables override its config as upstream documents.
#   $2  an "nginx" stand-in: busybox httpd serving a page on port 80, the first container of
#       every Docker guide.
set -euo pipefail
registry_tag="$1" nginx_tag="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

busybox_root() { # $1 dir: a root with busybox and its applet links
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for a in sh ls cat echo wget httpd mkdir sleep env ps kill; do ln -s busybox "$1/bin/$a"; done
  echo 'root:x:0:0:root:/:/bin/sh' > "$1/etc/passwd"
  echo 'root:x:0:' > "$1/etc/group"
}

# Registry.
r="$work/registry"
busybox_root "$r"
mkdir -p "$r/usr/bin" "$r/etc/docker/registry" "$r/var/lib/registry" "$r/lib64" "$r/lib/x86_64-linux-gnu"
cp /usr/bin/docker-registry "$r/usr/bin/registry"
for lib in $(ldd /usr/bin/docker-registry | grep -oE '/[^ ]+\.so[^ ]*'); do
  mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
done
cat > "$r/etc/docker/registry/config.yml" <<'YML'
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
YML
tar -C "$r" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/bin/registry", "serve"]' \
  --change 'CMD ["/etc/docker/registry/config.yml"]' \
  --change 'EXPOSE 5000' --change 'LABEL dockyard.rig.image=registry' - "$registry_tag" >/dev/null

# nginx stand-in.
n="$work/nginx"
busybox_root "$n"
mkdir -p "$n/usr/share/nginx/html"
cat > "$n/usr/share/nginx/html/index.html" <<'HTML'
<!DOCTYPE html>
<html><head><title>Welcome to nginx!</title></head>
<body><h1>Welcome to nginx!</h1><p>Served by the Dockyard test rig.</p></body></html>
HTML
tar -C "$n" -c . | docker import \
  --change 'CMD ["/bin/busybox", "httpd", "-f", "-v", "-p", "80", "-h", "/usr/share/nginx/html"]' \
  --change 'EXPOSE 80' --change 'LABEL dockyard.rig.image=nginx' - "$nginx_tag" >/dev/null
echo "rig: built $registry_tag and $nginx_tag" >&2
