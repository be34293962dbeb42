//! Sorting many strings that share long prefixes (the ARNs of one account, the
//! resource names of one project) sixteen bytes at a time, on every core.

use rayon::prelude::*;

/// Sixteen bytes of a text from some offset, zero-padded, and how many were there:
/// ordering these orders the texts as far as the window reaches.
type Window = (u128, u8);

fn window(text: &str, offset: usize) -> Window {
    let rest = text.as_bytes().get(offset..).unwrap_or_default();
    let n = rest.len().min(16);
    let mut bytes = [0u8; 16];
    bytes[..n].copy_from_slice(&rest[..n]);
    (u128::from_be_bytes(bytes), n as u8)
}

/// The values of `items` in the order of their texts (as `str`'s `Ord` would put
/// them). Each round orders by a window of sixteen bytes, and only texts that tie
/// on a full window go on to the next: a prefix shared by thousands of texts is
/// read once per round, where a comparison sort reads it at every comparison.
pub fn values_in_text_order<T: Send>(items: Vec<(&str, T)>) -> Vec<T> {
    let mut keyed: Vec<(Window, &str, T)> = items.into_par_iter().map(|(text, v)| (window(text, 0), text, v)).collect();
    sort_round(&mut keyed, 0);
    keyed.into_iter().map(|(_, _, v)| v).collect()
}

/// Sorts `items` (whose windows at `offset` are filled in) and the ties beyond.
fn sort_round<T: Send>(items: &mut [(Window, &str, T)], offset: usize) {
    const SMALL: usize = 1 << 12;
    if items.len() < SMALL {
        items.sort_unstable_by_key(|(w, _, _)| *w);
    } else {
        items.par_sort_unstable_by_key(|(w, _, _)| *w);
    }
    let ties: Vec<&mut [(Window, &str, T)]> =
        items.chunk_by_mut(|a, b| a.0 == b.0).filter(|run| run.len() > 1 && run[0].0 .1 == 16).collect();
    ties.into_par_iter().for_each(|run| {
        let next = offset + 16;
        for (w, text, _) in run.iter_mut() {
            *w = window(text, next);
        }
        sort_round(run, next);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_as_string_comparison_does() {
        // Long shared prefixes, texts that end inside a window or exactly at its end,
        // prefixes of each other, duplicates, NUL bytes and multi-byte characters.
        let mut texts: Vec<String> = Vec::new();
        let mut seed = 7u64;
        for i in 0..20_000u64 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let account = 100_000_000_000 + (seed >> 60);
            let tail: String = (0..(seed >> 33) % 40).map(|k| char::from(b'a' + ((seed >> k) % 3) as u8)).collect();
            texts.push(format!("arn:aws:ec2:eu-west-1:{account}:instance/i-{tail}"));
            if i % 97 == 0 {
                texts.push(format!("arn:aws:ec2:eu-west-1:{account}:instance/i-{tail}\0"));
                texts.push("0123456789abcdef".repeat(((seed >> 20) % 4) as usize));
                texts.push(format!("//compute.googleapis.com/projects/é-{tail}"));
            }
        }
        let items: Vec<(&str, usize)> = texts.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
        let ours: Vec<&str> = values_in_text_order(items).into_iter().map(|i| texts[i].as_str()).collect();
        let mut expected: Vec<&str> = texts.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(ours, expected);
    }
}
