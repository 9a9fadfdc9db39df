#!/usr/bin/env bash
# Make sure a Java 17+ runtime is available for DynamoDB Local.
# On CI (CI=true, running as root) it installs Debian's openjdk-17-jre-headless;
# elsewhere it explains how to install it and fails.
set -euo pipefail

java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

major=$(java_major)
if [ "${major:-0}" -ge 17 ] 2>/dev/null; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-java: Java 17+ not found (have: ${major:-none}); installing openjdk-17-jre-headless with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  major=$(java_major)
  [ "${major:-0}" -ge 17 ] && exit 0
fi
cat >&2 <<MSG
Crowdcart needs Java 17 or newer to run DynamoDB Local (found: ${major:-none}).
Install it, for example:
  Debian/Ubuntu:  sudo apt-get install openjdk-17-jre-headless
  macOS:          brew install openjdk@17
then run the command again.
MSG
exit 1
