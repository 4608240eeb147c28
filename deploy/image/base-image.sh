#!/usr/bin/env bash
# Builds a small base image for Jib from this machine's JDK and C library, as a `docker save`
# tar, so that the image build needs no registry and no Docker daemon:
#   /opt/java       a JRE made by jlink (only the modules the gateway uses)
#   /usr/lib, /lib  the glibc libraries the JRE and Netty's native libraries (BoringSSL, epoll) link
#   /etc/passwd     user 65532 "nonroot" (distroless's numbering); /tmp world-writable
# Real deployments build on a maintained base instead (see deploy/README.md); this one is what
# CI and offline machines build with. Usage: base-image.sh OUT.tar
set -euo pipefail
out=$1
if [ -s "$out" ] && [ "$out" -nt "$0" ]; then
  exit 0   # already built for this script
fi
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.xml,jdk.crypto.ec,jdk.unsupported,jdk.naming.dns,jdk.management,jdk.zipfs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/usr/lib/x86_64-linux-gnu "$root"/usr/lib64 "$root"/etc "$root"/tmp "$root"/home/nonroot "$root"/opt
ln -s usr/lib "$root"/lib
ln -s usr/lib64 "$root"/lib64
ln -s usr/bin "$root"/bin
mkdir -p "$root"/usr/bin
chmod 1777 "$root"/tmp
"$java_home"/bin/jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=2 --output "$root"/opt/java

# Every shared library the JRE loads, by the path the loader uses, and the rest of glibc's core
# that Netty's native libraries link (librt, libpthread, libdl).
elves=$(find "$root"/opt/java -type f \( -name '*.so' -o -path '*/bin/*' \))
libdir=/lib/x86_64-linux-gnu
for lib in $(ldd $elves 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $2 ~ /^\(/ {print $1}' | sort -u) \
    $libdir/librt.so.1 $libdir/libpthread.so.0 $libdir/libdl.so.2 $libdir/libgcc_s.so.1; do
  case $lib in "$root"/*) continue ;; esac   # the JRE's own libraries
  dest=$root/usr${lib#/usr}
  mkdir -p "$(dirname "$dest")"
  cp -L "$lib" "$dest"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root"/etc/passwd
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root"/etc/group
printf 'hosts: files dns\n' > "$root"/etc/nsswitch.conf

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work"/layer.tar .
diff_id=$(sha256sum "$work"/layer.tar | cut -d' ' -f1)
cat > "$work"/config.json <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],"User":"65532:65532","WorkingDir":"/home/nonroot"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/base-image.sh: jlink JRE $("$java_home"/bin/java -version 2>&1 | head -1 | tr -d '"') + glibc"}]}
JSON
printf '[{"Config":"config.json","RepoTags":["gatehouse-base:local"],"Layers":["layer.tar"]}]\n' > "$work"/manifest.json
mkdir -p "$(dirname "$out")"
tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out.part" manifest.json config.json layer.tar
mv "$out.part" "$out"
