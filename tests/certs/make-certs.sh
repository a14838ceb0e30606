#!/bin/sh
# make-certs.sh: (re)create the test PKI used by the tests and by tools/gtbt-sink --tls.
# Needs the openssl CLI (3.x). Run it from anywhere; it writes beside itself. The generated files
# are committed, so tests never run it. Good certificates are valid 2025-01-01 .. 2125-01-01
# (fixed dates, so a machine whose clock is a little behind still accepts them).
#
# README: what each file is (every .key is PEM; three key formats, so parsers see each of them)
#   ca-rsa.pem / ca-rsa.key            test CA, RSA 2048 (key: PKCS#8 "PRIVATE KEY")
#   ca-ec.pem / ca-ec.key              test CA, ECDSA P-256 (key: PKCS#8)
#   localhost-rsa.pem / .key           leaf signed by ca-rsa: DNS localhost, IP 127.0.0.1 and ::1
#                                      (key: PKCS#8, RSA 2048)
#   localhost-rsa-chain.pem            localhost-rsa.pem followed by ca-rsa.pem (a server chain)
#   localhost-ec.pem / .key            leaf signed by ca-ec: DNS localhost, IP 127.0.0.1 and ::1
#                                      (key: traditional "EC PRIVATE KEY", P-256)
#   wrong-host.pem / .key              leaf signed by ca-rsa for DNS wrong.example only, no IP SANs
#   expired.pem / .key                 leaf signed by ca-rsa for localhost, 127.0.0.1 and ::1, valid
#                                      only 2020-01-01 .. 2021-01-01
#   self-signed.pem / .key             self-signed leaf (CA:FALSE) for localhost, 127.0.0.1 and ::1
#                                      (key: traditional "RSA PRIVATE KEY")
#   other-ca.pem / other-ca.key        a second, unrelated RSA CA, for "wrong CA" tests
set -eu
cd "$(dirname "$0")"
GOOD="-startdate 20250101000000Z -enddate 21250101000000Z"
EXPIRED="-startdate 20200101000000Z -enddate 20210101000000Z"
SANS="DNS:localhost,IP:127.0.0.1,IP:::1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# A throw-away `openssl ca` database: `openssl ca` is what lets us set explicit validity dates.
mkdir "$tmp/db"
: >"$tmp/db/index.txt"
openssl rand -hex 8 >"$tmp/db/serial"
cat >"$tmp/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $tmp/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
organizationName = optional
commonName = supplied
EOF
cat >"$tmp/ca.ext" <<EOF
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

# leaf_ext NAME KEYUSAGE SANS [aki]: the extensions of a TLS server leaf -> $tmp/NAME.ext
leaf_ext() {
    cat >"$tmp/$1.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,$2
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
subjectAltName=$3
EOF
    if [ "${4-}" = aki ]; then echo "authorityKeyIdentifier=keyid" >>"$tmp/$1.ext"; fi
}

# sign NAME SUBJECT EXTFILE DATES ISSUER|-selfsign: signs NAME.key's request into NAME.pem
sign() {
    openssl req -new -key "$1.key" -subj "$2" -out "$tmp/$1.csr"
    if [ "$5" = -selfsign ]; then issuer="-selfsign -keyfile $1.key"
    else issuer="-cert $5.pem -keyfile $5.key"; fi
    # $issuer and $4 are option lists: split them on purpose
    openssl ca -batch -notext -config "$tmp/ca.cnf" $issuer $4 -extfile "$3" \
        -in "$tmp/$1.csr" -out "$1.pem" 2>/dev/null
}

rsa_key ca-rsa.key
sign ca-rsa "/O=gtb_telemetry tests/CN=gtb_telemetry test CA (RSA)" "$tmp/ca.ext" "$GOOD" -selfsign
ec_key ca-ec.key
sign ca-ec "/O=gtb_telemetry tests/CN=gtb_telemetry test CA (ECDSA)" "$tmp/ca.ext" "$GOOD" -selfsign
rsa_key other-ca.key
sign other-ca "/O=unrelated tests/CN=unrelated test CA" "$tmp/ca.ext" "$GOOD" -selfsign

RSA_KU=digitalSignature,keyEncipherment
leaf_ext localhost "$RSA_KU" "$SANS" aki
rsa_key localhost-rsa.key
sign localhost-rsa "/CN=localhost" "$tmp/localhost.ext" "$GOOD" ca-rsa
cat localhost-rsa.pem ca-rsa.pem >localhost-rsa-chain.pem
leaf_ext localhost-ec digitalSignature "$SANS" aki
openssl ecparam -name prime256v1 -genkey -noout -out localhost-ec.key
sign localhost-ec "/CN=localhost" "$tmp/localhost-ec.ext" "$GOOD" ca-ec

leaf_ext wrong "$RSA_KU" "DNS:wrong.example" aki
rsa_key wrong-host.key
sign wrong-host "/CN=wrong.example" "$tmp/wrong.ext" "$GOOD" ca-rsa

rsa_key expired.key
sign expired "/CN=localhost" "$tmp/localhost.ext" "$EXPIRED" ca-rsa

leaf_ext self "$RSA_KU" "$SANS"
openssl genrsa -traditional -out self-signed.key 2048 2>/dev/null
sign self-signed "/CN=localhost" "$tmp/self.ext" "$GOOD" -selfsign

chmod 644 ./*.pem ./*.key
# sanity: the good leaves verify against their CA; the expired and self-signed ones do not
openssl verify -CAfile ca-rsa.pem localhost-rsa.pem wrong-host.pem >/dev/null
openssl verify -CAfile ca-ec.pem localhost-ec.pem >/dev/null
for bad in expired self-signed; do
    if openssl verify -CAfile ca-rsa.pem $bad.pem >/dev/null 2>&1; then
        echo "make-certs.sh: $bad.pem unexpectedly verifies" >&2; exit 1
    fi
done
echo "make-certs.sh: test PKI written to $(pwd)"
