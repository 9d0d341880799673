//! Duration arguments (`--duration`, `--interval`): `5s`, `500ms`, `2m`, `1.5s`, `1h`, or plain seconds.
use std::time::Duration;

pub fn parse(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration '{text}': expected e.g. 5s, 500ms, 2m or 1h");
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let scale = match unit {
        "" | "s" => 1.0,
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(invalid()),
    };
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("invalid duration '{text}': must be positive"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "5x", "-1s", "0s", "1..2s"] {
            assert!(parse(bad).is_err(), "{bad} must be rejected");
        }
    }
}
