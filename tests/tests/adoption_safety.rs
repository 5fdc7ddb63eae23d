//! Adoption after a crashed create takes only what that create made. A resource with the same
//! name but another URN in its `fargate:urn` tag (another stack's, or one made by hand to look
//! alike) is never adopted, even when the journal says a create of ours was in flight under
//! that name: the retry refuses it, as a create always refused a name clash.

use std::time::{Duration, Instant};

use aws_sdk_ecs::types::Tag;
use fargate_e2e::faults::inventory::{CLUSTER, reconcile};
use fargate_e2e::faults::process::{descendants_named, signal};
use fargate_e2e::faults::subject::Subject;
use fargate_e2e::faults::{FaultKind, FaultProxy, FaultRule};
use fargate_e2e::{EcsProbe, Moto, cluster_tags};
use serde_json::json;

const URN_TAG: &str = "fargate:urn";

#[test]
fn a_look_alike_of_another_stack_is_never_adopted() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.url());
    let mut project = Subject::raw_resource(CLUSTER, json!({})).project("lookalike", &proxy.url());
    proxy.add_rule(FaultRule::new(
        "ecs:CreateCluster",
        FaultKind::Latency(Duration::from_secs(5)),
        1,
    ));

    // The provider dies while CreateCluster is in flight; the emulator serves it afterwards.
    let mut run = project.spawn_stack(&["up", "--yes", "--skip-preview"]);
    let started = Instant::now();
    while proxy.fired().is_empty() {
        assert!(!run.finished(), "ended early:\n{}", run.output_so_far());
        assert!(started.elapsed() < Duration::from_secs(120), "no create");
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in descendants_named(run.pid(), "pulumi-resource-fargate") {
        signal(pid, libc::SIGKILL).expect("SIGKILL the provider");
    }
    assert!(!run.wait().success());
    let probe = EcsProbe::new(&moto.url());
    let started = Instant::now();
    let twin = loop {
        if let Some(c) = probe.active_clusters().into_iter().next() {
            break c;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no cluster made"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let name = twin.cluster_name().unwrap().to_string();
    let our_urn = cluster_tags(&twin)
        .get(URN_TAG)
        .cloned()
        .unwrap_or_else(|| panic!("the create should carry its URN: {twin:?}"));
    assert!(
        our_urn.starts_with("urn:pulumi:dev::lookalike::") && our_urn.ends_with("::subject"),
        "{our_urn}"
    );

    // Swap the twin for a look-alike: same name, another stack's URN.
    probe.delete_cluster(&name);
    let other_urn = our_urn.replace("urn:pulumi:dev::", "urn:pulumi:prod::");
    probe
        .block_on(
            probe
                .client()
                .create_cluster()
                .cluster_name(&name)
                .tags(Tag::builder().key(URN_TAG).value(&other_urn).build())
                .send(),
        )
        .expect("create the look-alike");

    let retry = project.try_up();
    assert!(
        !retry.success() && retry.combined().contains("already exists"),
        "the look-alike must be refused, not adopted:\n{retry}"
    );
    assert!(!retry.combined().contains("adopting"), "{retry}");
    let rec = reconcile(moto.addr(), &project.stack_export());
    assert!(
        rec.matched.is_empty(),
        "nothing of ours should be in the state: {rec}"
    );
    let lookalike = probe.describe_cluster(&name).expect("the look-alike");
    assert_eq!(lookalike.status(), Some("ACTIVE"));
    assert_eq!(cluster_tags(&lookalike).get(URN_TAG), Some(&other_urn));

    // The refusal answered the create, so nothing is in flight any more: the next `up` makes
    // a cluster under a fresh name and leaves the look-alike alone.
    project.up();
    let rec = reconcile(moto.addr(), &project.stack_export());
    assert_eq!(rec.matched.len(), 1, "{rec}");
    assert_eq!(
        rec.orphans.len(),
        1,
        "only the look-alike is not ours: {rec}"
    );
    assert!(
        rec.orphans
            .iter()
            .all(|(_, arn)| Some(arn.as_str()) == lookalike.cluster_arn()),
        "{rec}"
    );
    println!("RELIABILITY scenario=look-alike-not-adopted refused=true adopted=0");
    project.destroy();
}
