//! The harness itself: moto start/stop, the recording proxy with the real AWS SDK, and the
//! pulumi CLI under the hermetic environment. These need no binary of ours.

use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use fargate_e2e::{AwsRecorder, EcsProbe, Moto, PulumiProject, ecs_client, exported_resources};

#[test]
fn moto_starts_answers_and_is_killed_on_drop() {
    let mut moto = Moto::start();
    assert!(moto.is_running());
    let addr = moto.addr();
    let ecs = EcsProbe::new(&moto.url());
    ecs.block_on(ecs.client().create_cluster().cluster_name("a").send())
        .expect("CreateCluster on moto");
    assert_eq!(ecs.active_clusters().len(), 1);
    moto.reset();
    assert!(ecs.list_cluster_arns().is_empty(), "reset forgets clusters");
    drop(ecs);
    drop(moto);
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "moto still answers on {addr} after drop"
    );
}

#[test]
fn moto_start_with_env_passes_settings() {
    // Starts and answers with an extra setting; the value is moto's (an integer).
    let moto = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "2")]);
    let ecs = EcsProbe::new(&moto.url());
    assert!(ecs.list_cluster_arns().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn recorder_records_sdk_calls_over_keep_alive() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = ecs_client(&recorder.url());

    let created = ecs
        .create_cluster()
        .cluster_name("recorded")
        .send()
        .await
        .expect("CreateCluster through the recorder");
    let arn = created
        .cluster()
        .and_then(|c| c.cluster_arn())
        .expect("cluster ARN");
    assert!(arn.ends_with(":cluster/recorded"), "{arn}");
    // Several calls reuse the SDK's pooled connection.
    for _ in 0..3 {
        let listed = ecs
            .list_clusters()
            .send()
            .await
            .expect("ListClusters through the recorder");
        assert_eq!(listed.cluster_arns(), [arn.to_string()]);
    }
    let missing = ecs
        .describe_clusters()
        .clusters("nope")
        .send()
        .await
        .expect("DescribeClusters through the recorder");
    assert_eq!(missing.failures().len(), 1);

    assert_eq!(
        recorder.operations(),
        [
            "ecs:CreateCluster",
            "ecs:ListClusters",
            "ecs:ListClusters",
            "ecs:ListClusters",
            "ecs:DescribeClusters"
        ]
    );
    assert_eq!(recorder.mutating_operations(), ["ecs:CreateCluster"]);
    assert_eq!(recorder.count("ecs:ListClusters"), 3);
    assert!(
        recorder.calls().iter().all(|c| c.status == Some(200)),
        "{:?}",
        recorder.calls()
    );

    recorder.clear();
    assert!(recorder.operations().is_empty());
    ecs.delete_cluster()
        .cluster("recorded")
        .send()
        .await
        .expect("DeleteCluster");
    assert_eq!(recorder.mutating_operations(), ["ecs:DeleteCluster"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn recorder_relays_errors_unchanged() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = ecs_client(&recorder.url());
    let err = ecs
        .delete_cluster()
        .cluster("never-created")
        .send()
        .await
        .expect_err("deleting a missing cluster fails");
    let service_err = err.into_service_error();
    assert!(
        service_err.is_cluster_not_found_exception(),
        "{service_err:?}"
    );
    assert_eq!(recorder.operations(), ["ecs:DeleteCluster"]);
    assert_eq!(recorder.calls()[0].status, Some(400));
}

#[test]
fn recorder_without_upstream_answers_502() {
    // A port nobody listens on: the client gets an error response, and the call is recorded.
    let port = fargate_e2e::moto::free_port();
    let recorder = AwsRecorder::start(&format!("http://127.0.0.1:{port}"));
    let ecs = EcsProbe::new(&recorder.url());
    let result = ecs.block_on(ecs.client().list_clusters().send());
    assert!(result.is_err());
    let calls = recorder.calls();
    assert!(
        !calls.is_empty()
            && calls
                .iter()
                .all(|c| c.name() == "ecs:ListClusters" && c.status == Some(502))
    );
}

/// The CLI runs with the harness environment; stack and config commands need no plugin.
#[test]
fn pulumi_cli_runs_hermetically() {
    let moto = Moto::start();
    let missing = Path::new("/nonexistent-fargate-e2e");
    let mut project =
        PulumiProject::with_binaries("harness", missing, missing, missing, &moto.url());

    let version = project.run_ok(&["version"]);
    assert!(version.stdout.trim().starts_with("v3."), "{version}");

    project.stack_init("dev");
    project.config_set("clusterName", "-starts-with-dash");
    project.config_set_path("tags.team", "platform");
    project.config_set_secret("token", "s3cret");
    let config = project.run_ok(&["config", "--json", "--show-secrets", "--stack", "dev"]);
    let config: serde_json::Value = serde_json::from_str(&config.stdout).unwrap();
    assert_eq!(config["harness:clusterName"]["value"], "-starts-with-dash");
    assert_eq!(config["harness:tags"]["objectValue"]["team"], "platform");
    assert_eq!(config["harness:token"]["value"], "s3cret");
    assert_eq!(config["harness:token"]["secret"], true);
    project.config_rm_path("tags.team");

    let export = project.stack_export();
    assert!(exported_resources(&export, "fargate:ecs:Cluster").is_empty());
    assert!(
        project.backend_dir().join(".pulumi").is_dir(),
        "state is in the temp file backend"
    );
    assert!(
        project.home().join("workspaces").is_dir(),
        "PULUMI_HOME is the temp home"
    );

    let out = project.run(&["stack", "select", "nope"]);
    assert!(!out.success());
}
