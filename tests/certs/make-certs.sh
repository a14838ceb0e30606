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
# Weak or odd certificates the client must refuse, or accept (all for localhost, 127.0.0.1, ::1):
#   sha1-leaf.pem / .key               leaf signed by ca-rsa with SHA-1 (refused)
#   rsa1024.pem / .key                 leaf with a 1024-bit RSA key, signed by ca-rsa (refused)
#   client-auth.pem / .key             leaf whose extendedKeyUsage is clientAuth only (refused)
#   ica.pem / ica.key                  an intermediate CA (RSA 2048) signed by ca-rsa
#   ica-leaf.pem / .key                leaf signed by ica (EC P-256 key); served alone its issuer is
#                                      absent (refused); ica-leaf-chain.pem adds ica.pem (accepted)
#   ca-sha1.pem / .key                 a CA that signed itself with SHA-1 (an anchor's own signature
#                                      is never checked); sha1ca-leaf.pem / .key: leaf it signed
#                                      with SHA-256 (accepted)
#
# Only missing files are made (delete a file to make it again): the committed ones stay as they are.
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

# missing NAME: NAME.pem is not there yet
missing() { [ ! -e "$1.pem" ]; }

if missing ca-rsa; then
    rsa_key ca-rsa.key
    sign ca-rsa "/O=gtb_telemetry tests/CN=gtb_telemetry test CA (RSA)" "$tmp/ca.ext" "$GOOD" -selfsign
fi
if missing ca-ec; then
    ec_key ca-ec.key
    sign ca-ec "/O=gtb_telemetry tests/CN=gtb_telemetry test CA (ECDSA)" "$tmp/ca.ext" "$GOOD" -selfsign
fi
if missing other-ca; then
    rsa_key other-ca.key
    sign other-ca "/O=unrelated tests/CN=unrelated test CA" "$tmp/ca.ext" "$GOOD" -selfsign
fi

RSA_KU=digitalSignature,keyEncipherment
leaf_ext localhost "$RSA_KU" "$SANS" aki
if missing localhost-rsa; then
    rsa_key localhost-rsa.key
    sign localhost-rsa "/CN=localhost" "$tmp/localhost.ext" "$GOOD" ca-rsa
    cat localhost-rsa.pem ca-rsa.pem >localhost-rsa-chain.pem
fi
leaf_ext localhost-ec digitalSignature "$SANS" aki
if missing localhost-ec; then
    openssl ecparam -name prime256v1 -genkey -noout -out localhost-ec.key
    sign localhost-ec "/CN=localhost" "$tmp/localhost-ec.ext" "$GOOD" ca-ec
fi

leaf_ext wrong "$RSA_KU" "DNS:wrong.example" aki
if missing wrong-host; then
    rsa_key wrong-host.key
    sign wrong-host "/CN=wrong.example" "$tmp/wrong.ext" "$GOOD" ca-rsa
fi

if missing expired; then
    rsa_key expired.key
    sign expired "/CN=localhost" "$tmp/localhost.ext" "$EXPIRED" ca-rsa
fi

leaf_ext self "$RSA_KU" "$SANS"
if missing self-signed; then
    openssl genrsa -traditional -out self-signed.key 2048 2>/dev/null
    sign self-signed "/CN=localhost" "$tmp/self.ext" "$GOOD" -selfsign
fi

# weak or odd certificates
if missing sha1-leaf; then
    rsa_key sha1-leaf.key
    sign sha1-leaf "/CN=localhost" "$tmp/localhost.ext" "$GOOD -md sha1" ca-rsa
fi
if missing rsa1024; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key 2>/dev/null
    sign rsa1024 "/CN=localhost" "$tmp/localhost.ext" "$GOOD" ca-rsa
fi
sed 's/^extendedKeyUsage=.*/extendedKeyUsage=clientAuth/' "$tmp/localhost.ext" >"$tmp/client.ext"
if missing client-auth; then
    rsa_key client-auth.key
    sign client-auth "/CN=localhost" "$tmp/client.ext" "$GOOD" ca-rsa
fi
printf 'authorityKeyIdentifier=keyid\n' | cat "$tmp/ca.ext" - >"$tmp/ica.ext"
if missing ica; then
    rsa_key ica.key
    sign ica "/O=gtb_telemetry tests/CN=gtb_telemetry test intermediate CA" "$tmp/ica.ext" "$GOOD" ca-rsa
fi
if missing ica-leaf; then
    ec_key ica-leaf.key
    sign ica-leaf "/CN=localhost" "$tmp/localhost-ec.ext" "$GOOD" ica
    cat ica-leaf.pem ica.pem >ica-leaf-chain.pem
fi
if missing ca-sha1; then
    rsa_key ca-sha1.key
    sign ca-sha1 "/O=gtb_telemetry tests/CN=gtb_telemetry test CA (SHA-1 self-signature)" "$tmp/ca.ext" "$GOOD -md sha1" -selfsign
fi
if missing sha1ca-leaf; then
    rsa_key sha1ca-leaf.key
    sign sha1ca-leaf "/CN=localhost" "$tmp/localhost.ext" "$GOOD" ca-sha1
fi

chmod 644 ./*.pem ./*.key
# sanity: the good leaves verify against their CA; the expired and self-signed ones do not
openssl verify -CAfile ca-rsa.pem localhost-rsa.pem wrong-host.pem rsa1024.pem client-auth.pem >/dev/null
openssl verify -CAfile ca-rsa.pem -untrusted ica.pem ica-leaf.pem >/dev/null
openssl verify -CAfile ca-ec.pem localhost-ec.pem >/dev/null
for bad in expired self-signed; do
    if openssl verify -CAfile ca-rsa.pem $bad.pem >/dev/null 2>&1; then
        echo "make-certs.sh: $bad.pem unexpectedly verifies" >&2; exit 1
    fi
done
echo "make-certs.sh: test PKI written to $(pwd)"
