//! The small statistics the report needs: medians, exact percentiles, a least-squares line,
//! and a bootstrap interval for a ratio of paired means. No sampling crate: the generator is
//! a fixed-seed SplitMix64, so that the same runs always give the same interval.

/// The median of `v` (NaN when empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The arithmetic mean of `v` (NaN when empty).
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// The exact `q` quantile (0..=1) of already sorted samples, by the nearest-rank rule: the
/// smallest sample such that at least `q` of all samples are at or below it.
pub fn quantile_sorted(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A least-squares line `y = intercept + slope * x` and its coefficient of determination.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    pub slope: f64,
    pub intercept: f64,
    pub r2: f64,
}

/// Fits a line through the points (NaN fields with fewer than two distinct x).
pub fn linear_fit(points: &[(f64, f64)]) -> Fit {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - my).powi(2)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let r2 = if syy == 0.0 {
        1.0
    } else {
        (sxy * sxy) / (sxx * syy)
    };
    Fit {
        slope,
        intercept,
        r2,
    }
}

/// SplitMix64: a tiny, well-mixed generator; plenty for resampling indices.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is far below anything measured here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The estimate and percentile bootstrap interval of a paired ratio.
#[derive(Debug, Clone, Copy)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub resamples: usize,
}

/// The ratio of means `mean(a) / mean(b)` over pairs `(a_i, b_i)` that ran back to back, and
/// its percentile bootstrap interval at `level` (e.g. 0.95): the pairs are resampled with
/// replacement `resamples` times (so a pair's two runs always stay together), the ratio of
/// means is computed for each resample, and the interval is the central `level` of those.
pub fn bootstrap_ratio_of_means(
    pairs: &[(f64, f64)],
    resamples: usize,
    level: f64,
    seed: u64,
) -> Interval {
    let ratio = |idx: &mut dyn Iterator<Item = usize>| {
        let (mut sa, mut sb) = (0.0, 0.0);
        for i in idx {
            sa += pairs[i].0;
            sb += pairs[i].1;
        }
        sa / sb
    };
    let estimate = ratio(&mut (0..pairs.len()));
    if pairs.is_empty() {
        return Interval {
            estimate,
            low: f64::NAN,
            high: f64::NAN,
            resamples: 0,
        };
    }
    let mut rng = SplitMix64::new(seed);
    let n = pairs.len();
    let mut stats: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut draws = (0..n).map(|_| rng.below(n)).collect::<Vec<_>>().into_iter();
            ratio(&mut draws)
        })
        .collect();
    stats.sort_by(|a, b| a.total_cmp(b));
    let tail = (1.0 - level) / 2.0;
    let at = |q: f64| {
        let i = ((q * resamples as f64).floor() as usize).min(resamples - 1);
        stats[i]
    };
    Interval {
        estimate,
        low: at(tail),
        high: at(1.0 - tail),
        resamples,
    }
}

/// "met" when the whole interval is at or above `target`, "missed" when it is below, else
/// "undecided".
pub fn interval_verdict(i: &Interval, target: f64) -> &'static str {
    if i.low >= target {
        "met"
    } else if i.high < target {
        "missed"
    } else {
        "undecided"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(quantile_sorted(&v, 0.5), 500);
        assert_eq!(quantile_sorted(&v, 0.99), 990);
        assert_eq!(quantile_sorted(&v, 0.999), 999);
        assert_eq!(quantile_sorted(&v, 1.0), 1000);
        assert_eq!(quantile_sorted(&[7], 0.5), 7);
    }

    #[test]
    fn fit_of_a_line_is_exact() {
        let f = linear_fit(&[(1.0, 3.0), (2.0, 5.0), (4.0, 9.0)]);
        assert!((f.slope - 2.0).abs() < 1e-12 && (f.intercept - 1.0).abs() < 1e-12);
        assert!((f.r2 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_brackets_the_estimate_and_narrows_with_agreement() {
        let tight: Vec<(f64, f64)> = (0..10).map(|i| (100.0 + i as f64 * 0.1, 100.0)).collect();
        let i = bootstrap_ratio_of_means(&tight, 10_000, 0.95, 1);
        assert!(i.low <= i.estimate && i.estimate <= i.high);
        assert!(i.high - i.low < 0.01);
        assert_eq!(interval_verdict(&i, 0.95), "met");
        let noisy: Vec<(f64, f64)> = (0..10)
            .map(|i| (if i % 2 == 0 { 70.0 } else { 130.0 }, 100.0))
            .collect();
        let j = bootstrap_ratio_of_means(&noisy, 10_000, 0.95, 1);
        assert!(j.low < 0.95 && j.high > 0.95);
        assert_eq!(interval_verdict(&j, 0.95), "undecided");
        let slow: Vec<(f64, f64)> = (0..10).map(|_| (80.0, 100.0)).collect();
        let k = bootstrap_ratio_of_means(&slow, 1000, 0.95, 1);
        assert_eq!(interval_verdict(&k, 0.95), "missed");
    }
}
