//! Invalid input is rejected by `pulumi preview` before any AWS call.

use fargate_e2e::{AwsRecorder, EcsProbe, Moto, PulumiProject};

/// Whether `line` names the property `name` apart from inside the value `bad name!`.
fn names_property(line: &str) -> bool {
    let rest = line.replace("bad name!", "");
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|word| word == "name")
}

#[test]
fn invalid_cluster_name_fails_preview_without_aws_calls() {
    let moto = Moto::start();
    let recorder = AwsRecorder::start(&moto.url());
    let ecs = EcsProbe::new(&moto.url());
    let mut project = PulumiProject::new("skeleton", "cluster", &recorder.url());
    project.stack_init("dev");
    project.config_set("clusterName", "bad name!");

    recorder.clear();
    let out = project.try_preview();
    assert!(
        !out.success(),
        "preview accepted an invalid cluster name:\n{out}"
    );
    let text = out.combined();
    assert!(
        text.lines()
            .any(|l| l.contains("bad name!") && names_property(l)),
        "the error should name the property `name` and the value `bad name!`:\n{out}"
    );
    assert_eq!(
        recorder.operations(),
        Vec::<String>::new(),
        "preview called AWS"
    );
    assert!(ecs.list_cluster_arns().is_empty(), "a cluster was created");
}

#[test]
fn property_check_is_strict() {
    assert!(names_property(
        "error: main.name: `bad name!` is not a valid cluster name"
    ));
    assert!(names_property("property name has value \"bad name!\""));
    assert!(!names_property("invalid value \"bad name!\""));
}
