#!/usr/bin/env bash
# Makes the TLS test files of this folder (run it here to replace them; they are committed so that
# tests need no openssl CLI): a test CA (ca.pem), and two server certificates signed by it for
# 127.0.0.1, ::1 and localhost with their keys (server-a.*, server-b.*; common names
# "vidserve test A" and "vidserve test B"). EC P-256 keys; valid for 100 years.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days $days -subj "/CN=vidserve test CA" -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
for name in a b; do
  upper=$(echo $name | tr a-z A-Z)
  openssl ecparam -name prime256v1 -genkey -noout -out server-$name.key.ec
  openssl pkcs8 -topk8 -nocrypt -in server-$name.key.ec -out server-$name.key
  rm server-$name.key.ec
  openssl req -new -key server-$name.key -subj "/CN=vidserve test $upper" -out server-$name.csr
  printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >ext.cnf
  openssl x509 -req -in server-$name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days -sha256 \
    -extfile ext.cnf -out server-$name.pem
  rm server-$name.csr ext.cnf
done
rm -f ca.srl ca.key  # nothing more is signed with it
