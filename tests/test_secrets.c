/* test_secrets.c - secrets in their providers' real formats (all made up) never reach a receiver,
   and ordinary values pass unchanged.

   SECRETS: each row is a text as a tool might record it (an error message, an argument, a metadata
   value) and the part of it that must never leave the machine. Checked through the redaction rules
   (the secret part is gone, the pre-check flags the text, redacting twice changes nothing) and end
   to end: every row is recorded as a metadata value, an argument and the error text of an event,
   sent through a collector to tools/gtbt-sink on loopback in each wire format (HTTP JSON, OTLP,
   Datadog, PostHog), and the sink's log of everything it received must contain none of them.
   ORDINARY: values that must pass unchanged (target triples, version strings with commit hashes,
   UUIDs, paths, flags, digests); the sink must receive them verbatim (which also shows the search
   above would have found a secret). CHEAP: ordinary values the pre-check must pass without
   running any rule (the cost of gtbt_track). */
#define GTB_TELEMETRY_IMPLEMENTATION
#include "gtb_telemetry.h"
#include "tests/harness.h"
#include "tests/support.h"
#include "tests/sink.h"

typedef struct secret_row { const char *text, *secret; } secret_row;
static const secret_row SECRETS[] = {
    { "token ghp_4ic5ltrtfI5xi2fOIB6CSVRjVBtlJrJCHiPz rejected",
      "4ic5ltrtfI5xi2fOIB6CSVRjVBtlJrJCHiPz" },
    { "gho_czWHDcCa64KCktsYKqr3v6qAeh2BlhVtWfMu",
      "czWHDcCa64KCktsYKqr3v6qAeh2BlhVtWfMu" },
    { "GH_TOKEN=ghu_5ksVsXMDN5ceK0bFAhfPaoLzFZioAyNM6k9F",
      "5ksVsXMDN5ceK0bFAhfPaoLzFZioAyNM6k9F" },
    { "refresh with ghr_SUtHnekcJikRvU8nt0SmnWULglbL8iu1nvqM failed",
      "SUtHnekcJikRvU8nt0SmnWULglbL8iu1nvqM" },
    { "ghs_I34zS2G5BFulWwwpU7NMceUMGEc11jgw0eXD",
      "I34zS2G5BFulWwwpU7NMceUMGEc11jgw0eXD" },
    { "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",
      "11AQ4diLdGtFBx7qIbkYHQ_b1jkugFLLLNn0J3ZsMGRajchFzHseMsWSJlGuBteuNFasENhFg4q1DR04Pm" },
    { "glpat-9LyJ681ibiBHmPV-ga8O",
      "9LyJ681ibiBHmPV-ga8O" },
    { "//registry.npmjs.org/:_authToken=npm_MWGhuW0U76AWxQFOdNePKRY2RzYOemzhopsj",
      "MWGhuW0U76AWxQFOdNePKRY2RzYOemzhopsj" },
    { "npm_CSlVbRwfCIlL2lYTpkCZLQgy2ICflFDkVpxk",
      "CSlVbRwfCIlL2lYTpkCZLQgy2ICflFDkVpxk" },
    { "stripe: 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",
      "LAJSUE2FwMMzXGeI2XLww8pKhYaLPlezOdeKil783a2EtFsZZJ4hoWHuV6S033qjvzuLmyzsuIMjOws4yZrhep0FnalgJKjvXwy" },
    { "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",
      "YIzHd6ssldxeTwlvRQFPBnUmQSI7cseZMl8kLx5uvo8QCUl1mRKFWRw87m6TRgfU24TWqojb6L8q7MSpYa0SLOHkcpnFCBnCBbe" },
    { "sk_test_i1G7T8gRXVQyajqEopTgbvnk",
      "i1G7T8gRXVQyajqEopTgbvnk" },
    { "whsec_NkjwY1SVM8nYYvQszVAuS8jZwpkCfUaa",
      "NkjwY1SVM8nYYvQszVAuS8jZwpkCfUaa" },
    { "SENDGRID said 401 for 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",
      "7IGb2ztzHC-fCmc6sFtfqC.IQpghLfl41qrccyCKv--vA4_xFgp1Grkhbl4LDSFrh_" },
    { "twilio SK00bfe4510347c1feeb68b627159bb23b",
      "00bfe4510347c1feeb68b627159bb23b" },
    { "TWILIO_AUTH_TOKEN=8f26433747bdb1e8b101564350c91035",
      "8f26433747bdb1e8b101564350c91035" },
    { "mailgun key-d2104403d588a4c6862754eaaa42dbce",
      "d2104403d588a4c6862754eaaa42dbce" },
    { "discord bot MTA4ocAHXVfgFPtREKF5GgEJJp.EubLLi.yCkpT1kmarWbPvWFtK4z5deBVP3otsJ0igpGRi",
      "MTA4ocAHXVfgFPtREKF5GgEJJp.EubLLi.yCkpT1kmarWbPvWFtK4z5deBVP3otsJ0igpGRi" },
    { "client_secret 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",
      "-eA5w2ZRo_unQdaC2QJ6Hu17dQdr" },
    { "ya29.vA8tn9tbBFkdTDtJkHNvoM4hZ2bIx0ctLME4FhfhQBTtdGGaflJXnQTNyIlfYo_n5GLa2hXhMbO7Q1a_HX0RssTFupW3XYw4FZoS",
      "vA8tn9tbBFkdTDtJkHNvoM4hZ2bIx0ctLME4FhfhQBTtdGGaflJXnQTNyIlfYo_n5GLa2hXhMbO7Q1a_HX0RssTFupW3XYw4FZoS" },
    { "refresh 1//0gyAtAS0iDuwu2pwPD7LWTbjnwlIQKUJVLmti494z_437b__fCbpeJ6prZJL43",
      "yAtAS0iDuwu2pwPD7LWTbjnwlIQKUJVLmti494z_437b__fCbpeJ6prZJL43" },
    { "AIzaR8Tar77WrSACjxaygHJTxOGHxB7byBvFaJu",
      "R8Tar77WrSACjxaygHJTxOGHxB7byBvFaJu" },
    { "POST https://hooks.slack.com/services/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 failed",
      "TNTDDW20M/BLROX85FZ/FBBbZ9YW7cb26RNyaaxQIl6M" },
    { "xoxb-1234567890-FgKQW02lhpSgsUDeg4V2Ew1G",
      "1234567890-FgKQW02lhpSgsUDeg4V2Ew1G" },
    { "xapp-1-TQEWECBZCKFA-7050018870437-ebea38d3fc863d9ba8c19a34adb90a57fabe4440872d5a169ebb126499b20f2c",
      "1-TQEWECBZCKFA-7050018870437-ebea38d3fc863d9ba8c19a34adb90a57fabe4440872d5a169ebb126499b20f2c" },
    { "vault login hvs.UpsHRnczKbio6HHFnfIW7JC6ieGFwo5WeTQK6x46BtT-uPB6H6YW1AkeWrQwm2hE6U1yOq-MArUaDKmVPURej7HpAZ",
      "UpsHRnczKbio6HHFnfIW7JC6ieGFwo5WeTQK6x46BtT-uPB6H6YW1AkeWrQwm2hE6U1yOq-MArUaDKmVPURej7HpAZ" },
    { "hvb.fdj16EvEC__Ro-97xwkPqQE8kH6_lF_mF4rvCkdI9h2wU3zVZgn932UO3muALUfbnllziGMGSIUwwy22ecKgVFJIBNRMiRLMLq4s8XF0O3bNRNrZ10c-CtZ2",
      "fdj16EvEC__Ro-97xwkPqQE8kH6_lF_mF4rvCkdI9h2wU3zVZgn932UO3muALUfbnllziGMGSIUwwy22ecKgVFJIBNRMiRLMLq4s8XF0O3bNRNrZ10c-CtZ2" },
    { "TFE_TOKEN GOOhwErL558suR.atlasv1.oQjLGVT9JctZW1QwDWkG1iBgFw6f7E9bDMTfAEGODi0F8LSEeokovMVxZ13dpoNwANV",
      "atlasv1.oQjLGVT9JctZW1QwDWkG1iBgFw6f7E9bDMTfAEGODi0F8LSEeokovMVxZ13dpoNwANV" },
    { "AKIAOH3NTFCX0P9Y44JS attempted",
      "OH3NTFCX0P9Y44JS" },
    { "ASIA4EVHXC15XLRLEBM2",
      "4EVHXC15XLRLEBM2" },
    { "aws secret oBMtGbkmyMA1Cp24X1dNaToGgoQG6r7cqdfalh6i",
      "oBMtGbkmyMA1Cp24X1dNaToGgoQG6r7cqdfalh6i" },
    { "AWS_SECRET_ACCESS_KEY=CFwjYNzdgJ7gSyUfqcsLzfOkjyLjTDR61BBkAub/",
      "CFwjYNzdgJ7gSyUfqcsLzfOkjyLjTDR61BBkAub/" },
    { "AWS_SESSION_TOKEN FwoGZXIvYXdzEowJLGuAHbtEt0h1Vde4uBJu4g1ncPBMDl/jAqmDJGLhMUHKmafXK3+3kNsJB1B1zcWGebPq2OAd2ezpKV6hG1sQfEXEU15t8u3OG9EIAlshvGiLOCKgPEwVoQ8h7LzIYz9r3BRWlnoq82YeLwCG909eOxLM7Dc/D4FtEVViFjg/Y69O9nBWuhCEfHXnkdtbZi5CWjlDk+Hhu+4HiHFsePnB5DCz4bbenqFGX0w6k3TSuUVApWjO0xWQ9N16e360bGYgtaiBl2GR1F35l5ADHN0V3IN/SrMhZcYT7tG6EjUJ7",
      "owJLGuAHbtEt0h1Vde4uBJu4g1ncPBMDl/jAqmDJGLhMUHKmafXK3+3kNsJB1B1zcWGebPq2OAd2ezpKV6hG1sQfEXEU15t8u3OG9EIAlshvGiLOCKgPEwVoQ8h7LzIYz9r3BRWlnoq82YeLwCG909eOxLM7Dc/D4FtEVViFjg/Y69O9nBWuhCEfHXnkdtbZi5CWjlDk+Hhu+4HiHFsePnB5DCz4bbenqFGX0w6k3TSuUVApWjO0xWQ9N16e360bGYgtaiBl2GR1F35l5ADHN0V3IN/SrMhZcYT7tG6EjUJ7" },
    { "IQoJb3JpZ2luX2VjR+YQAuk+lSktjNfGKIDqzevks/HJ3mRvuBpnBEuKlcwvJjN71bZ2ZiKU4d+ufvdcZkhOMdgGSlEIAyw/JiEqZDHhZgfBgIfk6tJNTKTYR2QEWAOwKdrfWElQ0U3I5XqapEjUTA46FnJx89vfR5GjupDigrDcgLWdejP98m+429YdiI7ofqp/fnqa79b99bSpA9OZxWZUqSsST8KwYJClYw9VgHOkQftdeP2b+0UaEHcwXowQXsr5sLqUiBGn/QgHy4PSKepEJvP8mguGuND5EQQyOyIdLSUdPcU008YGTs4lrg+zbgY7n52pSHNUsa6rJjNDXGvhC9duTiv8BgNGtYyyKKmXJfne8Yv1Yk+sD/WOwc+kRHa/Hp5oxOxhgLl73q559P+BNsPzrYSe",
      "R+YQAuk+lSktjNfGKIDqzevks/HJ3mRvuBpnBEuKlcwvJjN71bZ2ZiKU4d+ufvdcZkhOMdgGSlEIAyw/JiEqZDHhZgfBgIfk6tJNTKTYR2QEWAOwKdrfWElQ0U3I5XqapEjUTA46FnJx89vfR5GjupDigrDcgLWdejP98m+429YdiI7ofqp/fnqa79b99bSpA9OZxWZUqSsST8KwYJClYw9VgHOkQftdeP2b+0UaEHcwXowQXsr5sLqUiBGn/QgHy4PSKepEJvP8mguGuND5EQQyOyIdLSUdPcU008YGTs4lrg+zbgY7n52pSHNUsa6rJjNDXGvhC9duTiv8BgNGtYyyKKmXJfne8Yv1Yk+sD/WOwc+kRHa/Hp5oxOxhgLl73q559P+BNsPzrYSe" },
    { "DD_API_KEY=6e1c55f23835bbb7863fee037ad15505",
      "6e1c55f23835bbb7863fee037ad15505" },
    { "datadog app key 437974fbabbd99db74b54db9ac39c6d869f77647",
      "437974fbabbd99db74b54db9ac39c6d869f77647" },
    { "api key f13c94b893e6d485c083493a3f3dd128 is invalid",
      "f13c94b893e6d485c083493a3f3dd128" },
    { "leaked e585a624283977a812abdf67659de8983ad6c6e0",
      "e585a624283977a812abdf67659de8983ad6c6e0" },
    { "key: 1ICqBe5Qmt7yJtHMzVq0bT41OgDEo/INWUQNspl6X5M=",
      "1ICqBe5Qmt7yJtHMzVq0bT41OgDEo/INWUQNspl6X5M=" },
    { "using YoQ7YYiAIRoy/AOAGv09hondMg1n+8eKwJchLHnHkxU=",
      "YoQ7YYiAIRoy/AOAGv09hondMg1n+8eKwJchLHnHkxU" },
    { "AccountKey=5wXMB4nXZjbtxVNerRdviDEAFbBcdjjGi/GDwIW1mjKNDXMusDkXcdn1Z9KtsF49cfo9xr20AEZmSWXsWSFo8g==",
      "5wXMB4nXZjbtxVNerRdviDEAFbBcdjjGi/GDwIW1mjKNDXMusDkXcdn1Z9KtsF49cfo9xr20AEZmSWXsWSFo8g==" },
    { "DB_PASSWORD=HlgSctj0WR2O53Hf",
      "HlgSctj0WR2O53Hf" },
    { "PGPASSWORD=1l01fTQ2z5FV",
      "1l01fTQ2z5FV" },
    { "export GITHUB_TOKEN=irqlZbDDch3stDWizAMdHji7eaZW5kzpdghbdviL",
      "irqlZbDDch3stDWizAMdHji7eaZW5kzpdghbdviL" },
    { "MY_API_KEY=c2AuL33TBjaHNVQz4FsWV95P",
      "c2AuL33TBjaHNVQz4FsWV95P" },
    { "https://idp.example.com/token?client_id=abc&client_secret=wKUm9ZPDdriBvb13kdNirHPxzSoLhj",
      "wKUm9ZPDdriBvb13kdNirHPxzSoLhj" },
    { "GET /api/v4/projects?private_token=a_xzJVYmM7O4f374Y_cB",
      "a_xzJVYmM7O4f374Y_cB" },
    { "password: rTAAkJkIrzRodf",
      "rTAAkJkIrzRodf" },
    { "db:\n  password: It4GCnivCl9dHAiPCT\n  host: x",
      "It4GCnivCl9dHAiPCT" },
    { "X-API-Key: VsOsomRCYTzLFJwm7tEpBAsfyzmmWlF9",
      "VsOsomRCYTzLFJwm7tEpBAsfyzmmWlF9" },
    { "Authorization: token 319349692854b2795ceafcfe7167f4c871a52e1a",
      "319349692854b2795ceafcfe7167f4c871a52e1a" },
    { "Authorization: Bearer 033dY1qQZdjWDy07qYKKBrYk9XhWSS",
      "033dY1qQZdjWDy07qYKKBrYk9XhWSS" },
    { "Proxy-Authorization: Negotiate 95NQeAUavUaRF8YnPK8hoMbW",
      "95NQeAUavUaRF8YnPK8hoMbW" },
    { "Authorization: Splunk 8dZ5NtJU6UBqsBpajpfh",
      "8dZ5NtJU6UBqsBpajpfh" },
    { "Authorization: AWS4-HMAC-SHA256 Credential=AKIA9CYUB4TGAVUZG0SV/20261203/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=8c10b8da6230fb662826f099e76e089962a73e7d7cff38f24951919d520e42cb",
      "8c10b8da6230fb662826f099e76e089962a73e7d7cff38f24951919d520e42cb" },
    { "Cookie: session=V0wz5KtVUrBZtr8OLqgl7xsZUI; theme=dark",
      "V0wz5KtVUrBZtr8OLqgl7xsZUI" },
    { "Set-Cookie: sid=HBjFGtAV1K9LYT6kaUllYjxIFu29YwJI; Path=/; HttpOnly",
      "HBjFGtAV1K9LYT6kaUllYjxIFu29YwJI" },
    { "{\"db_password\": \"7AEkv1VxWaJS\"}",
      "7AEkv1VxWaJS" },
    { "{\"clientSecret\":\"h5WtocNPTx69hqBMzUdqPmYo\"}",
      "h5WtocNPTx69hqBMzUdqPmYo" },
    { "{\"apiKey\": \"oajJaZoZC7KlAXOoZjpa\", \"x\": 1}",
      "oajJaZoZC7KlAXOoZjpa" },
    { "config.yaml: secret_key: GyV2RqK602SCf7B7OyF8",
      "GyV2RqK602SCf7B7OyF8" },
    { "https://sm4KjmveJod6ax6f_qQ4ZrfilrAtADIFM7REzKGR@github.com/org/repo.git",
      "sm4KjmveJod6ax6f_qQ4ZrfilrAtADIFM7REzKGR" },
    { "SENTRY_DSN https://ebc82d13b15b8092c5124bdb58b79537@o123456.ingest.sentry.io/789",
      "ebc82d13b15b8092c5124bdb58b79537" },
    { "curl -u admin:SWrQYX16Ul https://api.example.com",
      "SWrQYX16Ul" },
    { "mytool login --password z8fyEeRGKyyJdO",
      "z8fyEeRGKyyJdO" },
    { "--token 7K9FrG39FwyIPfnoWOj5dT",
      "7K9FrG39FwyIPfnoWOj5dT" },
    { "mysql://root:p@ssw0rd!XXG7C8@db.internal:3306/app",
      "p@ssw0rd!XXG7C8" },
    { "postgres://app:AIuQZL9os2C2@!eXaT@10.0.0.7/db",
      "AIuQZL9os2C2@!eXaT" },
    { "key file:\n-----BEGIN RSA PRIVATE KEY-----\nkXmDNiR4hYVR0ZfBZHytPWIO7U6ITaZIumJbFdeUwS6wgTCe3AcQ3N9fKoHwEt36\nwZ8CnurthVTRJoyzCMFkx9FY+uAoU02yrvmHQn/kBhQX7F1v+3LSGC4m2l1ikllH\n87AQMcGpkmjHESgYNhrhS1pCqpX1GnRa+9Gp0KG62m7rEouuOwsuWU3p9Q5VLmjn\noiPYoQnzu0xNq08+FkGfa+N7hvCNvauSZpDjvq3fFR4lTrztJIZJ4nKEbL+Lgqpj\n32MGSFkRdLauYl1YyuudKeoLddl8DM+lYZ5R03MaE3kWv+Pk/5hTlBiW1/oY3Jzc\n-----END RSA PRIVATE KEY-----\n",
      "87AQMcGpkmjHESgYNhrhS1pCqpX1GnRa+9Gp0KG62m7rEouuOwsuWU3p9Q5VLmjn" },
    { "-----BEGIN OPENSSH PRIVATE KEY-----\nRqDgKfG2jhppnten9UeGL0Ss6rRaC9pG9qmyV7EgMU+lMjqZqAMyP0KOmqmLxlgr9YUUwh\n6UEbFcX2NEVGq6Tob0ckaG6KLq3SBXHjbKzreDDBnDShYTnoUk+vavAfYYONxl94H6ZXXj\nLktifwzVzVAB7jSRSOnUhuuzTeMMJyn1TPTzBrFW2FzWkSePdVuG3k8laj/qHJ4xLmBo24\n8JNhBN+d0sUYFqdBOkoKDl4729nGpFjrAhNIaSLh+BYWdlpJ+ftDJlszgK8v89T6BJ3eK0\n-----END OPENSSH PRIVATE KEY-----",
      "6UEbFcX2NEVGq6Tob0ckaG6KLq3SBXHjbKzreDDB" },
    { "-----BEGIN PRIVATE KEY-----\n5zQCNLwjP7UVFZ0tqPIB9EivBPiu6takpp+E7w72fMFcKjjrNLjuSljM1eBTo4Lf\n16H9AKKy4Zv3anZs7Z/QaN1ypOzlER",
      "16H9AKKy4Zv3anZs7Z/QaN1ypOzlER" },
    { "jwt eyJhbGciOiJIUzI1NiJ9.XNqosZDJhT0u8A9U-qaHPs2UtoogH4j7EkWMufMy.PGO2-uxgsvk39nf4QACQ1qJGcxKmFG5h05uwFMb3BXh",
      "XNqosZDJhT0u8A9U-qaHPs2UtoogH4j7EkWMufMy.PGO2-uxgsvk39nf4QACQ1qJGcxKmFG5h05uwFMb3BXh" },
    { "sk-proj-lhSHrQ7Rdbi7xAyzpjBFN2WFVLPiyqJfM5faLBMvKcci3IqE",
      "lhSHrQ7Rdbi7xAyzpjBFN2WFVLPiyqJfM5faLBMvKcci3IqE" },
    { "ANTHROPIC_API_KEY=sk-ant-api03-dvi9qpD2KS0nEOroUrwirfO_4A7gjpys6AUdfmK-19mk88APZsrcIzVmWWA5Pi9y5vO_ymPyivjc8NQy6QitbwHmHCMW6",
      "dvi9qpD2KS0nEOroUrwirfO_4A7gjpys6AUdfmK-19mk88APZsrcIzVmWWA5Pi9y5vO_ymPyivjc8NQy6QitbwHmHCMW6" },
    { "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",
      "1c913785c98ca72bdde5fad2f1ea1c36" },
    { "dop_v1_0baf1571452ff6359e39f446ca4f91c4c40848cff02f62ef57c313b427ef424b",
      "0baf1571452ff6359e39f446ca4f91c4c40848cff02f62ef57c313b427ef424b" },
    { "hf_Y3cYJRkgb84kJL6Tt2C7K1yiZnUX2kIu02",
      "Y3cYJRkgb84kJL6Tt2C7K1yiZnUX2kIu02" },
    { "pypi-AgEIcHlwaS5vcmcAtEqG62ouiSwgdhIE5esJzYJvvLZw6EPd4-ifQKqk8NQvmVQ8hR_iSHTYmxlbr6Eie2u5bcIScy6C-GDX1TcEY3GVVmrD3RlnbZOTBT5RDyTo7WRYsQzB29s",
      "AtEqG62ouiSwgdhIE5esJzYJvvLZw6EPd4-ifQKqk8NQvmVQ8hR_iSHTYmxlbr6Eie2u5bcIScy6C-GDX1TcEY3GVVmrD3RlnbZOTBT5RDyTo7WRYsQzB29s" },
    { "dckr_pat_hpk67kO6pMpuTI_IntuvvlYxxFDsqvio97oR",
      "hpk67kO6pMpuTI_IntuvvlYxxFDsqvio97oR" },
    { "lin_api_c519a595882149e470e3bfe228ce08b24301840c",
      "c519a595882149e470e3bfe228ce08b24301840c" },
    { "NRAK-W8M51RGL1N5JMDE9NUGDBBAQLY8",
      "W8M51RGL1N5JMDE9NUGDBBAQLY8" },
    { "PMAK-d4438d08a102e195079837d0-6a4ef073ea017992bfd4f1f1b6dcc2a087",
      "d4438d08a102e195079837d0-6a4ef073ea017992bfd4f1f1b6dcc2a087" },
    { "dapi5382e3a47ecb20a10366fde4377ce557",
      "5382e3a47ecb20a10366fde4377ce557" },
    { "r8_wKDG402I8rncdGgUnAKPCkirxktbyJ3Of1BGD",
      "wKDG402I8rncdGgUnAKPCkirxktbyJ3Of1BGD" },
    { "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",
      "SDNcB752rnkxdquqmkB7JWqOEVDQNrPvbqF32D3ARxfozuAMwMvv" },
    { "DOPPLER_TOKEN=dp.pt.vEKpPngCn12vLdwLd9sU1q2ZpHOudN6tGXZMf8mK",
      "vEKpPngCn12vLdwLd9sU1q2ZpHOudN6tGXZMf8mK" },
    { "AGE-SECRET-KEY-1XUGMK8TXZZ562LBEC775740PYQFWSRXSR0CGIFZDQMNRNA75CKGYF0KT8O",
      "XUGMK8TXZZ562LBEC775740PYQFWSRXSR0CGIFZDQMNRNA75CKGYF0KT8O" },
    { "telegram 123456789:AAEC5-BFNV0KAvDBSdUx6CYJpHZFmO8J0ZK",
      "EC5-BFNV0KAvDBSdUx6CYJpHZFmO8J0ZK" },
    { "CLOUDFLARE token MbspHoKjWeWvPJTMpkoXv5I0ELD_cN4dJtwjdQj2",
      "MbspHoKjWeWvPJTMpkoXv5I0ELD_cN4dJtwjdQj2" },
    { "Basic-auth: myIPY2wTOOukPwGcPTw40RgpGGciUEjKhobLAdUu3f3",
      "myIPY2wTOOukPwGcPTw40RgpGGciUEjKhobLAdUu3f3" },
    { "PASSPHRASE=2KK91igzwlH78PcAz9",
      "2KK91igzwlH78PcAz9" },
    { "--api-key=Gf5nyWJ4mcebXGylXfma",
      "Gf5nyWJ4mcebXGylXfma" },
    { "mysql --user=root --password=Jyy5Bd8n6IHYR0JvYUrN",
      "Jyy5Bd8n6IHYR0JvYUrN" },
    { "export MYSQL_PWD=B1NO8Kg7RhB2Q1MvnDLb",
      "B1NO8Kg7RhB2Q1MvnDLb" },
    { "sig=a737e9d7f30be6cd404b681a3000c812620c1147&se=2026",
      "a737e9d7f30be6cd404b681a3000c812620c1147" },
};
#define N_SECRETS (sizeof SECRETS / sizeof SECRETS[0])

static const char *const ORDINARY[] = {
    "x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "x86_64-pc-windows-msvc", "armv7-unknown-linux-gnueabihf",
    "--target=x86_64-unknown-linux-musl", "--enable-experimental-feature-flags",
    "1.4.2+7a5c45f3b8a9e7d2a1c6b4e3d9f8a7c5b2d4e6f1", "mytool 1.4.2 (7a5c45f3b8a9e7d2a1c6b4e3d9f8a7c5b2d4e6f1)",
    "v2.0.1-14-g7a5c45f3b8a9", "commit 7a5c45f3b8a9e7d2a1c6b4e3d9f8a7c5b2d4e6f1",
    "built from rev d41d8cd98f00b204e9800998ecf8427e", "md5=d41d8cd98f00b204e9800998ecf8427e",
    "0.0.0-20231109112545-4a2b5c8d9e1f", "go1.22.3", "1.2.3-rc.1+build.20261203",
    "11111111-1111-4111-8111-111111111111", "id=8f14e45f-ceea-467f-a0e6-4c1b5c3f2a9d",
    "/home/user/projects/mytool/src/main.c", "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/Users/JohnSmith/Projects/MyApp2/Sources/AppDelegate.swift", "C:\\Users\\Build\\AppData\\Local\\Temp\\x.txt",
    "./build/Release/bin/my-tool-cli", "~/.config/mytool/config.yaml",
    "https://api.example.com/v1/users?page=2&limit=50", "ssh://git@github.com/org/repo.git", "git@github.com:org/repo.git",
    "connection refused while dialing 10.0.0.5:5432", "bob@example.com", "en_US.UTF-8", "linux/amd64",
    "--jobs=8", "--output=/tmp/out.json", "--verbose", "-j4", "--max-tokens=4096", "max_tokens=4096",
    "Error: file not found: config.yaml", "exit status 2", "timeout after 30s",
    "keyboard=us", "monkey=1", "author=Jane", "PWD=/home/user",
    "com.example.myapp.MainActivity", "org.apache.commons.lang3.StringUtils",
    "ThisIsALongCamelCaseIdentifierName", "SOME_VERY_LONG_ENVIRONMENT_NAME_X",
    "eyJhbGciOiJIUzI1NiJ9", "generate --format json --out report.json",
    "text/html; charset=utf-8", "Mozilla/5.0 (X11; Linux x86_64)", "2026-03-30T10:00:00.5Z",
};
#define N_ORDINARY (sizeof ORDINARY / sizeof ORDINARY[0])

/* ordinary values the pre-check passes without running any rule */
static const char *const CHEAP[] = {
    "x86_64-unknown-linux-gnu", "aarch64-apple-darwin", "--target=x86_64-unknown-linux-musl",
    "--enable-experimental-feature-flags", "v2.0.1-14-g7a5c45f3b8a9", "11111111-1111-4111-8111-111111111111",
    "--jobs=8", "--output=/tmp/out.json", "--verbose", "go1.22.3", "linux/amd64", "en_US.UTF-8",
    "/home/user/projects/mytool/src/main.c", "exit status 2", "production", "1.2.3", "generate",
    "https://api.example.com/v1/users?page=2&limit=50", "ssh://git@github.com/org/repo.git",
};
#define N_CHEAP (sizeof CHEAP / sizeof CHEAP[0])

static char *redact(const char *in) {
    gtbt__buf b;
    char *r;
    memset(&b, 0, sizeof b);
    gtbt__redact_impl(in, strlen(in), &b);
    r = (char *)malloc(b.len + 1);
    if (!r) abort();
    memcpy(r, b.p ? b.p : "", b.len);
    r[b.len] = 0;
    gtbt__buf_free(&b);
    return r;
}

static void test_secrets_redacted(void) {
    size_t i, caught = 0;
    for (i = 0; i < N_SECRETS; i++) {
        char *o = redact(SECRETS[i].text), *o2 = redact(o);
        int ok = !strstr(o, SECRETS[i].secret) && strcmp(o, o2) == 0 && gtbt__redact_needed(SECRETS[i].text, strlen(SECRETS[i].text));
        if (!ok) gt_fail(__FILE__, __LINE__, "row %zu: \"%s\"\n      redacted \"%s\"", i, SECRETS[i].text, o);
        caught += ok;
        free(o);
        free(o2);
    }
    printf("    %zu of %zu secrets caught\n", caught, (size_t)N_SECRETS);
    CHECK(N_SECRETS >= 60);
}

static void test_ordinary_unchanged(void) {
    size_t i, same = 0;
    for (i = 0; i < N_ORDINARY; i++) {
        char *o = redact(ORDINARY[i]);
        if (strcmp(o, ORDINARY[i]) != 0) gt_fail(__FILE__, __LINE__, "\"%s\" became \"%s\"", ORDINARY[i], o);
        else same++;
        free(o);
    }
    printf("    %zu of %zu ordinary values unchanged\n", same, (size_t)N_ORDINARY);
    for (i = 0; i < N_CHEAP; i++)
        if (gtbt__redact_needed(CHEAP[i], strlen(CHEAP[i]))) gt_fail(__FILE__, __LINE__, "pre-check flags \"%s\"", CHEAP[i]);
}

/* a --flag announcing a secret redacts the next argument; -u/--user keep the user */
static void test_secret_flag_arguments(void) {
    gtbt_desc d = fixture_desc(0);
    rec_backend rb;
    gtbt_collector *c;
    static const char *const argv[] = { "login", "--password", "Hunter2Secret", "-u", "alice:Pw0rdX", "--token",
                                        "Tok3nValue", "--verbose", "--api-key", "--dry-run", "--user", "bob" };
    char *all;
    rec_init(&rb, "rec");
    d.backend = &rb.base;
    d.extended_collection = true;
    c = gtbt_new(&d);
    gtbt_track_command_ext(c, "login", 12, argv, 1, 0, NULL, NULL, 0);
    CHECK_INT(gtbt_flush(c), GTBT_OK);
    all = rec_all(&rb);
    CHECK_CONTAINS(all, "\"args\":[\"login\",\"--password\",\"***\",\"-u\",\"alice:***\",\"--token\",\"***\",\"--verbose\",\"--api-key\",\"--dry-run\",\"--user\",\"bob\"]");
    CHECK_NOT_CONTAINS(all, "Hunter2Secret");
    CHECK_NOT_CONTAINS(all, "Pw0rdX");
    CHECK_NOT_CONTAINS(all, "Tok3nValue");
    free(all);
    gtbt_close(c);
    rec_free_json(&rb);
    fixture_done();
}

/* ---- end to end: every row through each wire format to the sink ---- */
enum { W_HTTP, W_OTLP, W_DATADOG, W_POSTHOG };
static const char *const W_NAMES[] = { "http", "otlp", "datadog", "posthog" };

static void wire(int which) {
    gtbt_desc d = fixture_desc(1);
    sink s;
    sinklog l;
    gtbt_collector *c;
    char url[160], *log;
    size_t i, leaked = 0;
    int k;
    gtbt_kv kv[1], ord[64];
    if (sink_start(&s, T_dir, NULL) != 0) { CHECK(!"sink started"); fixture_done(); return; }
    d.extended_collection = true;
    if (which == W_HTTP) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/collect", s.port);
        d.endpoint = url;
    } else if (which == W_OTLP) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
        d.otel_endpoint = url;
    } else if (which == W_DATADOG) {
        gtbt_datadog_desc dd;
        snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/input", s.port);
        memset(&dd, 0, sizeof dd);
        dd.api_key = "dd_test_key_123";
        dd.endpoint = url;
        d.backend = gtbt_datadog_backend(&dd);
    } else {
        gtbt_posthog_desc pd;
        snprintf(url, sizeof url, "http://127.0.0.1:%d/capture/", s.port);
        memset(&pd, 0, sizeof pd);
        pd.project_key = "phc_test";
        pd.endpoint = url;
        d.backend = gtbt_posthog_backend(&pd);
    }
    c = gtbt_new(&d);
    for (i = 0; i < N_SECRETS; i++) {
        const char *argv[3];
        argv[0] = SECRETS[i].text; argv[1] = "--password"; argv[2] = SECRETS[i].secret;
        kv[0].key = "value"; kv[0].value = SECRETS[i].text;
        gtbt_track_command_ext(c, "cmd", 3, argv, 1, 1, SECRETS[i].text, kv, 1);
    }
    for (i = 0; i < N_ORDINARY && i < 64; i++) { ord[i].key = ORDINARY[i]; ord[i].value = ORDINARY[i]; }
    gtbt_track(c, GTBT_EVENT_FEATURE_USED, "ordinary", ord, i);
    CHECK_INT(gtbt_close(c), GTBT_OK);
    sinklog_read(&l, &s);
    sink_stop(&s);
    CHECK(l.n >= 1);
    log = gt_read(s.log);
    CHECK(log != NULL);
    for (i = 0; log && i < N_SECRETS; i++) {
        int found = strstr(log, SECRETS[i].secret) != NULL;
        for (k = 0; k < l.n && !found; k++) {
            const char *body = jstr(l.req[k], "body");
            found = body && strstr(body, SECRETS[i].secret);
        }
        if (found) { leaked++; gt_fail(__FILE__, __LINE__, "%s: row %zu reached the receiver: %s", W_NAMES[which], i, SECRETS[i].secret); }
    }
    for (i = 0; i < N_ORDINARY; i++) {
        int found = 0;
        for (k = 0; k < l.n && !found; k++) {
            const char *body = jstr(l.req[k], "body");
            char esc[512];
            size_t a, b = 0;
            for (a = 0; ORDINARY[i][a] && b + 3 < sizeof esc; a++) {   /* as a JSON string */
                if (ORDINARY[i][a] == '\\') esc[b++] = '\\';
                esc[b++] = ORDINARY[i][a];
            }
            esc[b] = 0;
            found = body && strstr(body, esc);
            if (!found && strchr(esc, '&')) {            /* '&' may be written as \u0026 */
                char alt[512];
                size_t x = 0, y;
                for (y = 0; esc[y] && x + 7 < sizeof alt; y++) {
                    if (esc[y] == '&') { memcpy(alt + x, "\\u0026", 6); x += 6; }
                    else alt[x++] = esc[y];
                }
                alt[x] = 0;
                found = body && strstr(body, alt);
            }
        }
        if (!found) gt_fail(__FILE__, __LINE__, "%s: ordinary value \"%s\" did not arrive unchanged", W_NAMES[which], ORDINARY[i]);
    }
    printf("    %s: %zu requests, %zu of %zu secrets leaked\n", W_NAMES[which], (size_t)l.n, leaked, (size_t)N_SECRETS);
    free(log);
    sinklog_free(&l);
    fixture_done();
}
static void test_wire_http(void) { wire(W_HTTP); }
static void test_wire_otlp(void) { wire(W_OTLP); }
static void test_wire_datadog(void) { wire(W_DATADOG); }
static void test_wire_posthog(void) { wire(W_POSTHOG); }

int main(int argc, char **argv) {
    static const gt_test tests[] = {
        {"secrets_redacted", test_secrets_redacted},
        {"ordinary_unchanged", test_ordinary_unchanged},
        {"secret_flag_arguments", test_secret_flag_arguments},
        {"wire_http", test_wire_http},
        {"wire_otlp", test_wire_otlp},
        {"wire_datadog", test_wire_datadog},
        {"wire_posthog", test_wire_posthog},
    };
    return GT_RUN(tests, argc, argv);
}
