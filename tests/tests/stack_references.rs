//! Stack references through the real `pulumi` CLI, with the `stack_reference` example: stack A
//! exports a plain and a secret output, stack B (another project, same backend) reads both by
//! A's fully qualified name; the secret stays secret in B's outputs, display and state; a
//! reference to an output A does not have fails B's preview naming the stack and the output.

use std::path::Path;

use fargate_e2e::PulumiProject;

/// No AWS call is made by these programs; the endpoint is never dialled.
const NO_AWS: &str = "http://127.0.0.1:9";
const PLAIN: &str = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/sotex-box-api";
const SECRET: &str = "stackref-secret-canary-5e1b77";

/// Every file under `dir` whose text holds `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            hits.extend(files_containing(&path, needle));
        } else if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle)) {
            hits.push(path.display().to_string());
        }
    }
    hits
}

#[test]
fn stack_reference_reads_plain_and_secret_outputs_and_names_a_missing_one() {
    let mut a = PulumiProject::new("shared-registry", "stack_reference", NO_AWS);
    a.stack_init("shared");
    a.config_set("plain", PLAIN);
    a.config_set_secret("secret", SECRET);
    a.up();

    let mut b = PulumiProject::new("consumer", "stack_reference", NO_AWS);
    let backend = format!("file://{}", a.backend_dir().display());
    b.set_env("PULUMI_BACKEND_URL", &backend);
    b.stack_init("dev");
    b.config_set("reference", "organization/shared-registry/shared");

    // Both values are known at preview, the secret not shown.
    let preview = b.preview();
    assert!(!preview.combined().contains(SECRET), "{preview}");
    let up = b.up();
    assert!(!up.combined().contains(SECRET), "{up}");

    let outputs = b.stack_output_json();
    assert_eq!(outputs["plainCopy"], PLAIN, "{outputs}");
    assert_eq!(outputs["secretCopy"], SECRET, "{outputs}");
    let masked = b.run_ok(&["stack", "output", "--json", "--stack", "dev"]);
    let masked: serde_json::Value = serde_json::from_str(&masked.stdout).expect("JSON outputs");
    assert_eq!(masked["plainCopy"], PLAIN);
    assert_eq!(masked["secretCopy"], "[secret]", "{masked}");

    // B's state holds the secret only encrypted: its copy, and the reference's own outputs.
    let export = b.stack_export();
    let text = export.to_string();
    assert!(!text.contains(SECRET), "B's state holds the secret: {text}");
    let stack = export["deployment"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["type"] == "pulumi:pulumi:Stack")
        .expect("the stack");
    assert!(
        stack["outputs"]["secretCopy"]
            .to_string()
            .contains("ciphertext"),
        "{stack}"
    );
    // Nor in any file of the backend (both stacks, their history and backups).
    assert_eq!(
        files_containing(a.backend_dir(), SECRET),
        Vec::<String>::new()
    );

    // A missing output fails the preview naming the stack and the output.
    b.config_set("extra", "databaseUrl");
    let failed = b.try_preview();
    assert!(!failed.success(), "{failed}");
    assert!(
        failed
            .combined()
            .contains("stack `organization/shared-registry/shared` has no output `databaseUrl`"),
        "{failed}"
    );
    assert!(failed.combined().contains("plain, secret"), "{failed}");

    b.config_rm("extra");
    b.destroy();
}
