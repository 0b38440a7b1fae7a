//! `fieldkit size`: read the workload (YAML and/or flags), size, optionally compare an inventory.

use anyhow::{Context, Result};
use fieldkit_platform::size::{self, Acks, INSTANCES, Workload, layout, render};

use crate::cli::{AcksArg, SizeArgs, SizeFormat};
use crate::cmd::write_output;
use crate::exit;
use crate::term::Style;

fn workload(a: &SizeArgs) -> Result<Workload> {
    let mut w = match &a.input {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
            Workload::from_yaml(&path.display().to_string(), &text)?
        }
        None => Workload::default(),
    };
    macro_rules! set {
        ($($flag:ident => $field:expr),* $(,)?) => { $( if let Some(v) = a.$flag { $field = v; } )* };
    }
    macro_rules! set_opt {
        ($($flag:ident => $field:expr),* $(,)?) => { $( if a.$flag.is_some() { $field = a.$flag; } )* };
    }
    set_opt!(produce_mb_s => w.produce_mb_s, messages_per_s => w.messages_per_s,
        avg_message_bytes => w.avg_message_bytes, consumers_per_group => w.consumers_per_group,
        min_partitions => w.min_partitions_per_topic, controller_failures => w.controller_failures,
        disk_tb => w.broker.disk_tb, disk_mb_s => w.broker.disk_mb_s, nic_gbps => w.broker.nic_gbps,
        cores => w.broker.cores, ram_gb => w.broker.ram_gb, max_partitions_per_broker => w.broker.max_partitions);
    set!(consumer_groups => w.consumer_groups, retention => w.retention_hours,
        replication_factor => w.replication_factor, min_isr => w.min_insync_replicas, topics => w.topics,
        compression_ratio => w.compression_ratio, headroom => w.headroom_pct,
        partition_produce_mb_s => w.partition_produce_mb_s, partition_consume_mb_s => w.partition_consume_mb_s,
        racks => w.racks);
    if let Some(i) = &a.instance {
        w.instance = Some(i.clone());
    }
    if let Some(acks) = a.acks {
        w.acks = match acks {
            AcksArg::Zero => Acks::Zero,
            AcksArg::One => Acks::One,
            AcksArg::All => Acks::All,
        };
    }
    if a.no_idempotence {
        w.idempotence = false;
    }
    if a.exactly_once {
        w.exactly_once = true;
    }
    Ok(w)
}

fn list_instances(format: SizeFormat) -> Result<String> {
    Ok(match format {
        SizeFormat::Json => serde_json::to_string_pretty(INSTANCES)? + "\n",
        _ => {
            let mut s = String::from(
                "| instance | vCPU | RAM GiB | baseline Gbps | storage MiB/s | partitions/broker | sources |\n|---|---|---|---|---|---|---|\n",
            );
            for i in INSTANCES {
                let src: Vec<&str> = i.sources.iter().map(|s| s.url).collect();
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    i.name,
                    i.vcpus,
                    i.ram_gib,
                    i.baseline_gbps,
                    i.storage_mib_s,
                    i.max_partitions,
                    src.join(" ")
                ));
            }
            s
        }
    })
}

pub fn run(a: SizeArgs) -> Result<u8> {
    if a.list_instances {
        write_output(a.output.as_deref(), list_instances(a.format)?.as_bytes())?;
        return Ok(exit::OK);
    }
    let w = workload(&a)?;
    let sizing = size::size(&w)?;
    let layout = match &a.check {
        Some(inv) => {
            let p = crate::cmd::platform::load(inv, a.properties.as_deref())?;
            Some(layout::compare(&p, &sizing))
        }
        None => None,
    };
    let out = match a.format {
        SizeFormat::Json => {
            let mut v = serde_json::to_value(&sizing)?;
            if let Some(l) = &layout {
                v["layout"] = serde_json::to_value(l)?;
            }
            serde_json::to_string_pretty(&v)? + "\n"
        }
        SizeFormat::Markdown => render::markdown(&sizing, layout.as_ref()),
        SizeFormat::Text => {
            let style = Style::for_stdout();
            format!("{}\n\n{}", style.bold("fieldkit size"), render::text(&sizing, layout.as_ref()))
        }
    };
    write_output(a.output.as_deref(), out.as_bytes())?;
    Ok(if layout.as_ref().is_some_and(|l| l.short()) { exit::FINDINGS } else { exit::OK })
}
