//! `cargo xtask gen-ioctls`: the ioctl request names of
//! renacer-trace/src/ioctls.rs, generated from the kernel UAPI headers in
//! /usr/include (linux-libc-dev) and the DRM driver headers of libdrm-dev.
//!
//! Every `#define NAME <expr>` whose expression builds a request (`_IO*`,
//! `DRM_IO*`, or a tty request number) is a candidate; a C program per header
//! prints the values the compiler computes (sizes included), so nothing is
//! typed by hand. Names the compiler rejects are dropped and the header is
//! compiled again. A value with several names prints them all, sorted and
//! joined by ` or `, as strace does (`BTRFS_IOC_CLONE or FICLONE`).

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    path::Path,
    process::Command,
};

use anyhow::{Context as _, bail};

/// Headers in priority order, with the include to use.
const HEADERS: &[&str] = &[
    "asm/ioctls.h",
    "asm/sockios.h",
    "linux/fs.h",
    "linux/random.h",
    "linux/sockios.h",
    "linux/loop.h",
    "linux/vt.h",
    "linux/kd.h",
    "linux/cdrom.h",
    "linux/fd.h",
    "linux/hdreg.h",
    "linux/rtc.h",
    "linux/watchdog.h",
    "linux/if_tun.h",
    "linux/perf_event.h",
    "linux/userfaultfd.h",
    "linux/seccomp.h",
    "linux/nsfs.h",
    "linux/pidfd.h",
    "linux/btrfs.h",
    "linux/fsverity.h",
    "linux/nvme_ioctl.h",
    "linux/sync_file.h",
    "linux/dma-buf.h",
    "linux/dma-heap.h",
    "linux/usbdevice_fs.h",
    "linux/hidraw.h",
    "linux/uinput.h",
    "linux/input.h",
    "linux/videodev2.h",
    "linux/media.h",
    "linux/dm-ioctl.h",
    "linux/blkzoned.h",
    "linux/gpio.h",
    "linux/i2c-dev.h",
    "linux/spi/spidev.h",
    "linux/ppdev.h",
    "linux/sonet.h",
    "linux/kvm.h",
    "linux/vfio.h",
    "linux/vhost.h",
    "linux/tee.h",
    "linux/kfd_ioctl.h",
    "drm.h",
    "drm_mode.h",
    "i915_drm.h",
    "amdgpu_drm.h",
    "radeon_drm.h",
    "nouveau_drm.h",
    "msm_drm.h",
    "virtgpu_drm.h",
    "vmwgfx_drm.h",
    "vc4_drm.h",
    "tegra_drm.h",
    "qxl_drm.h",
];

/// Headers whose requests are plain numbers (`0x5401`): every number above
/// 0xff they define is taken as a request.
const NUMBERED: &[&str] = &[
    "asm/ioctls.h",
    "asm/sockios.h",
    "linux/sockios.h",
    "linux/kd.h",
    "linux/vt.h",
    "linux/loop.h",
    "linux/hdreg.h",
    "linux/i2c-dev.h",
];

const LIBDRM: &str = "/usr/include/libdrm";
const OUTPUT: &str = "renacer-trace/src/ioctls.rs";

/// Where the header's text is read: asm/ioctls.h is the generic one on
/// x86_64; DRM headers are libdrm's.
fn header_path(header: &str) -> std::path::PathBuf {
    if let Some(generic) = header.strip_prefix("asm/") {
        Path::new("/usr/include/asm-generic").join(generic)
    } else if header.contains('/') {
        Path::new("/usr/include").join(header)
    } else {
        Path::new(LIBDRM).join(header)
    }
}

/// `#define NAME expr` lines whose expression builds an ioctl request.
fn candidates(text: &str, tty: bool) -> Vec<String> {
    let mut names = Vec::new();
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        // `#define` or `# define` (inside #ifndef blocks).
        let Some(rest) = line
            .trim_start()
            .strip_prefix('#')
            .and_then(|l| l.trim_start().strip_prefix("define"))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let expr = rest[name.len()..].trim();
        // Function-like macros take parameters: not a request by themselves.
        if name.is_empty() || rest[name.len()..].starts_with('(') || expr.is_empty() {
            continue;
        }
        let compact = expr.replace([' ', '\t'], "");
        let builds_request = ["_IO(", "_IOR(", "_IOW(", "_IOWR(", "_IOC("]
            .iter()
            .any(|m| compact.contains(m))
            || expr.starts_with("DRM_IO");
        // The terminal requests are plain numbers (0x54xx, 0x89xx...).
        let number = expr.split_whitespace().next().unwrap_or_default();
        let tty_number = tty
            && number.starts_with("0x")
            && u64::from_str_radix(
                number.trim_start_matches("0x").trim_end_matches(['U', 'L']),
                16,
            )
            .is_ok_and(|v| v > 0xff);
        if builds_request || tty_number {
            names.push(name);
        }
    }
    names
}

/// The C program that prints `NAME VALUE` for each name.
fn program(header: &str, names: &[String]) -> String {
    let mut c = String::from("#include <stdio.h>\n#include <linux/ioctl.h>\n");
    if !header.contains('/') {
        c.push_str("#include <drm.h>\n");
    }
    // Structs some requests name but their header does not include.
    match header {
        "asm/ioctls.h" => c.push_str("#include <asm/termbits.h>\n"),
        "linux/fs.h" => c.push_str("#include <linux/fiemap.h>\n"),
        _ => {}
    }
    let _ = writeln!(c, "#include <{header}>\nint main(void) {{");
    for name in names {
        let _ = writeln!(
            c,
            "    printf(\"%s %lu\\n\", \"{name}\", (unsigned long)({name}));"
        );
    }
    c.push_str("    return 0;\n}\n");
    c
}

/// Compiles and runs the program for `header`, dropping names the compiler
/// rejects; the values it prints.
fn values(dir: &Path, header: &str, mut names: Vec<String>) -> anyhow::Result<Vec<(String, u64)>> {
    let stem = header.replace(['/', '.', '-'], "_");
    let source = dir.join(format!("{stem}.c"));
    let exe = dir.join(&stem);
    for _ in 0..20 {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        std::fs::write(&source, program(header, &names))?;
        // kfd_ioctl.h includes <drm/drm.h>: libdrm's headers under drm/.
        let out = Command::new("cc")
            .args(["-w", "-I", LIBDRM, "-I"])
            .arg(dir.join("include"))
            .arg("-o")
            .arg(&exe)
            .arg(&source)
            .output()
            .context("running cc")?;
        if out.status.success() {
            let run = Command::new(&exe).output()?;
            let text = String::from_utf8(run.stdout)?;
            return Ok(text
                .lines()
                .filter_map(|line| {
                    let (name, value) = line.split_once(' ')?;
                    Some((name.to_owned(), value.parse().ok()?))
                })
                .collect());
        }
        // Drop the names on the lines the compiler rejected.
        let errors = String::from_utf8_lossy(&out.stderr);
        let source_text = std::fs::read_to_string(&source)?;
        let lines: Vec<&str> = source_text.lines().collect();
        let prefix = format!("{}:", source.display());
        let bad: Vec<String> = errors
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|l| l.split(':').next()?.parse::<usize>().ok())
            .filter_map(|n| lines.get(n.checked_sub(1)?))
            .filter_map(|l| l.split('"').nth(3).map(str::to_owned))
            .collect();
        if bad.is_empty() {
            // The header itself does not compile on its own.
            eprintln!("skipping {header}: {}", errors.lines().next().unwrap_or(""));
            return Ok(Vec::new());
        }
        names.retain(|n| !bad.contains(n));
    }
    bail!("{header}: still failing after dropping names")
}

pub fn generate() -> anyhow::Result<()> {
    // Without them the DRM names would silently drop out of the table.
    if !Path::new(LIBDRM).join("drm.h").exists() {
        bail!(
            "{LIBDRM}/drm.h is missing: install libdrm-dev (apt-get install libdrm-dev), then run cargo xtask gen-ioctls again"
        );
    }
    let dir = std::env::temp_dir().join(format!("renacer-gen-ioctls-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("include"))?;
    std::os::unix::fs::symlink(LIBDRM, dir.join("include/drm"))?;
    let mut by_value: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    let mut headers_used = Vec::new();
    for &header in HEADERS {
        let path = header_path(header);
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("not installed: {}", path.display());
            continue;
        };
        let tty = NUMBERED.contains(&header);
        let names = candidates(&text, tty);
        let found = values(&dir, header, names)?;
        if !found.is_empty() {
            headers_used.push(header);
        }
        for (name, value) in found {
            if let Ok(value) = u32::try_from(value) {
                by_value.entry(value).or_default().insert(name);
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    let mut out = String::from(
        "//! ioctl request names, generated by `cargo xtask gen-ioctls` from the\n\
         //! kernel UAPI headers (linux-libc-dev) and libdrm-dev's DRM driver\n\
         //! headers; do not edit. Several names of one value are joined by ` or `.\n\
         //! Headers read:\n",
    );
    for header in &headers_used {
        let _ = writeln!(out, "//! {header}");
    }
    out.push_str(
        "\n/// `(request, name)`, sorted by request.\n#[rustfmt::skip]\npub(crate) const IOCTLS: &[(u32, &str)] = &[\n",
    );
    for (value, names) in &by_value {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = writeln!(out, "    ({value:#010x}, \"{}\"),", names.join(" or "));
    }
    out.push_str("];\n");
    std::fs::write(OUTPUT, out).with_context(|| format!("writing {OUTPUT}"))?;
    println!("{} ioctl names written to {OUTPUT}", by_value.len());
    Ok(())
}
