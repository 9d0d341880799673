//! Compiles proto/renacer/v1/*.proto with protox (pure Rust: no protoc needed)
//! and keeps the descriptor set for gRPC server reflection.
use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["renacer/v1/tracer.proto"];
    println!("cargo:rerun-if-changed=renacer");
    let fds = protox::compile(protos, ["."])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("renacer_v1_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
