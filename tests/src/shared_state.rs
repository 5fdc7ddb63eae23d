//! A team's shared state on the emulator: an S3 bucket (versioned, encrypted) for the Pulumi
//! state and a KMS key (by alias) for its secrets, set up and inspected with boto3 from the
//! pinned moto venv (moto depends on it), on loopback like everything else.
//!
//! The URLs are the ones the pinned CLI's gocloud drivers understand (read from
//! `gocloud.dev/blob/s3blob` and `gocloud.dev/aws`): `endpoint` sends every call to the
//! emulator, `use_path_style=true` puts the bucket in the path (a loopback address has no
//! bucket subdomains), `region` signs for the emulator's region.

use std::process::Command;

use serde_json::Value;

use crate::tools;

pub const BUCKET: &str = "sotex-pulumi-state";
pub const KEY_ALIAS: &str = "alias/sotex-pulumi-secrets";
const REGION: &str = "us-east-1";

/// `pulumi login` / `PULUMI_BACKEND_URL` for the bucket on the emulator at `moto_url`.
pub fn backend_url(moto_url: &str) -> String {
    format!("s3://{BUCKET}?endpoint={moto_url}&use_path_style=true&region={REGION}")
}

/// `--secrets-provider` for the key alias on the emulator at `moto_url`.
pub fn secrets_provider(moto_url: &str) -> String {
    format!("awskms://{KEY_ALIAS}?region={REGION}&endpoint={moto_url}")
}

/// Runs a boto3 script (`moto_url` is `sys.argv[1]`, `BUCKET`, `ALIAS` are defined) and
/// parses the JSON it prints.
fn boto3(moto_url: &str, body: &str) -> Value {
    let python = tools::moto_server_bin()
        .parent()
        .expect("venv bin dir")
        .join("python");
    let script = format!(
        "import sys, json, base64, boto3\n\
         BUCKET = {BUCKET:?}\nALIAS = {KEY_ALIAS:?}\n\
         def client(name):\n    return boto3.client(name, endpoint_url=sys.argv[1], region_name={REGION:?}, aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         {body}"
    );
    let out = Command::new(&python)
        .arg("-c")
        .arg(&script)
        .arg(moto_url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "boto3 script failed: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "boto3 script printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// What a team sets up once: the key and its alias, the bucket with versioning (every state
/// write is kept), default encryption with that key, and no public access. Returns the key ARN.
pub fn set_up(moto_url: &str) -> String {
    let out = boto3(
        moto_url,
        "kms = client('kms')\n\
         key = kms.create_key(Description='Pulumi secrets for the Sotex-box stacks')['KeyMetadata']\n\
         kms.create_alias(AliasName=ALIAS, TargetKeyId=key['KeyId'])\n\
         s3 = client('s3')\n\
         s3.create_bucket(Bucket=BUCKET)\n\
         s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={'Status': 'Enabled'})\n\
         s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={'Rules': [{'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': key['Arn']}, 'BucketKeyEnabled': True}]})\n\
         s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True})\n\
         print(json.dumps({'arn': key['Arn']}))\n",
    );
    out["arn"].as_str().expect("key ARN").to_string()
}

/// One stored object version.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: String,
    pub version_id: String,
    pub text: String,
}

/// Every version of every object in the bucket (the state's history included), as text.
pub fn all_object_versions(moto_url: &str) -> Vec<StoredObject> {
    let out = boto3(
        moto_url,
        "s3 = client('s3')\n\
         found = []\n\
         for page in s3.get_paginator('list_object_versions').paginate(Bucket=BUCKET):\n    for v in page.get('Versions', []):\n        body = s3.get_object(Bucket=BUCKET, Key=v['Key'], VersionId=v['VersionId'])['Body'].read()\n        found.append({'key': v['Key'], 'version': v['VersionId'], 'b64': base64.b64encode(body).decode()})\n\
         print(json.dumps(found))\n",
    );
    out.as_array()
        .expect("a list")
        .iter()
        .map(|o| StoredObject {
            key: o["key"].as_str().unwrap_or_default().to_string(),
            version_id: o["version"].as_str().unwrap_or_default().to_string(),
            text: String::from_utf8_lossy(&decode_base64(o["b64"].as_str().unwrap_or_default()))
                .into_owned(),
        })
        .collect()
}

/// Keys of the current (not deleted) objects under `prefix`.
pub fn current_keys(moto_url: &str, prefix: &str) -> Vec<String> {
    let out = boto3(
        moto_url,
        &format!(
            "s3 = client('s3')\n\
             keys = [o['Key'] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix={prefix:?}).get('Contents', [])]\n\
             print(json.dumps(keys))\n"
        ),
    );
    out.as_array()
        .expect("a list")
        .iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect()
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        assert_eq!(decode_base64("aGVsbG8gd29ybGQ="), b"hello world");
        assert_eq!(decode_base64("YQ=="), b"a");
        assert_eq!(decode_base64(""), b"");
    }

    #[test]
    fn urls_carry_what_the_drivers_need() {
        let url = backend_url("http://127.0.0.1:5000");
        assert!(url.starts_with("s3://sotex-pulumi-state?"), "{url}");
        for p in [
            "endpoint=http://127.0.0.1:5000",
            "use_path_style=true",
            "region=us-east-1",
        ] {
            assert!(url.contains(p), "{url} lacks {p}");
        }
        let kms = secrets_provider("http://127.0.0.1:5000");
        assert!(
            kms.starts_with("awskms://alias/sotex-pulumi-secrets?"),
            "{kms}"
        );
    }
}
