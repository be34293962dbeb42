//! Access edges at scale: reads a synthetic estate (written first if the folder is
//! empty), then times each stage of deriving who can access what with the IAM
//! evaluator: principals and their policies, role chains, every access level of
//! every principal to every bucket, database and key, one `who-can`, and the
//! privilege analysis (administrators, escalation).
//!
//!   cargo bench --bench access -- DIR [ASSETS]   (default: 1000000 assets)
//!   /usr/bin/time -v target/release/deps/access-* DIR   for peak memory

use std::time::Instant;

use auditgraph::analysis::access_graph::{access_to, role_steps, who_can, STORE_KINDS};
use auditgraph::analysis::principals::{PolicySets, Principals};
use auditgraph::analysis::privilege::PrivilegeFacts;
use auditgraph::graph::AssetGraph;
use auditgraph::model::AssetKind;
use auditgraph::source::FixtureProvider;

fn lap(stage: &str, since: &mut Instant) {
    eprintln!("{stage:<44} {:>8.3} s", since.elapsed().as_secs_f64());
    *since = Instant::now();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let dir = std::path::PathBuf::from(args.first().map(String::as_str).unwrap_or("/tmp/auditgraph-bench-1m"));
    let assets: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    if !dir.exists() {
        auditgraph::synth::generate(assets, 1, &dir).expect("synth writes the estate");
    }
    let mut t = Instant::now();
    let inventories = FixtureProvider::new(&dir).collect_sourced().expect("the estate reads");
    let graph = AssetGraph::from_inventories(inventories);
    lap("read and build the graph", &mut t);

    let sets = PolicySets::of(&graph);
    let principals = Principals::new(&graph, &sets);
    lap(&format!("principals ({}) with their policies", principals.list.len()), &mut t);
    let steps = role_steps(&graph, &principals);
    lap(&format!("role chains ({} steps)", steps.len()), &mut t);
    let stores = graph.assets_of(&STORE_KINDS);
    let edges = access_to(&principals, &stores);
    let count: usize = edges.values().map(|actors| actors.len()).sum();
    lap(&format!("access to {} stores ({count} actor-store edges)", stores.len()), &mut t);
    let bucket = graph.assets_of(&[AssetKind::AwsS3Bucket]).into_iter().next().expect("a bucket");
    let holders = who_can(&principals, &steps, "s3:GetObject", bucket);
    lap(&format!("one who-can s3:GetObject ({} holders)", holders.len()), &mut t);
    let privilege = PrivilegeFacts::derive(&graph, &principals, &steps);
    lap(
        &format!("privilege ({} admins, {} can escalate)", privilege.admins.len(), privilege.escalations.len()),
        &mut t,
    );
}
