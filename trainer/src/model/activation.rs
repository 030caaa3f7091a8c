//! The activations the paper compares (Table IV): tanh, ReLU, PReLU, LReLU(α).
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::Tensor;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Activation {
    Tanh,
    Relu,
    /// Parametric ReLU with one learned slope per channel (initialised to 0.25).
    Prelu,
    /// Leaky ReLU `max(x, αx)` with a fixed slope α in (0, 1). The paper's best is α = 0.33.
    Lrelu(f64),
}

impl Default for Activation {
    fn default() -> Self {
        Activation::Lrelu(0.33)
    }
}

impl Activation {
    /// Applies the activation; `slope` holds the PReLU weights (one per channel) when it is one.
    pub fn apply(&self, x: &Tensor, slope: Option<&Tensor>) -> Tensor {
        match (self, slope) {
            (Activation::Tanh, _) => x.tanh(),
            (Activation::Relu, _) => x.relu(),
            (Activation::Prelu, Some(w)) => x.prelu(w),
            (Activation::Prelu, None) => x.relu(),
            // tch's leaky_relu has a fixed slope of 0.01, hence max(x, αx) (valid for α < 1).
            (Activation::Lrelu(a), _) => x.maximum(&(x * *a)),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Tanh => write!(f, "tanh"),
            Activation::Relu => write!(f, "relu"),
            Activation::Prelu => write!(f, "prelu"),
            Activation::Lrelu(a) => write!(f, "lrelu:{a}"),
        }
    }
}

impl FromStr for Activation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tanh" => Ok(Activation::Tanh),
            "relu" => Ok(Activation::Relu),
            "prelu" => Ok(Activation::Prelu),
            _ => match s.strip_prefix("lrelu:").map(str::parse::<f64>) {
                Some(Ok(a)) if a > 0.0 && a < 1.0 => Ok(Activation::Lrelu(a)),
                Some(_) => Err(format!("lrelu slope must be a number in (0, 1): {s}")),
                None => Err(format!("unknown activation {s:?} (tanh, relu, prelu, lrelu:ALPHA)")),
            },
        }
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Activation {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        for s in ["tanh", "relu", "prelu", "lrelu:0.33", "lrelu:0.01"] {
            assert_eq!(s.parse::<Activation>().unwrap().to_string(), s);
        }
        assert!("lrelu:1.5".parse::<Activation>().is_err());
        assert!("lrelu:x".parse::<Activation>().is_err());
        assert!("swish".parse::<Activation>().is_err());
        assert_eq!(Activation::default(), Activation::Lrelu(0.33));
    }

    #[test]
    fn leaky_relu_uses_the_given_slope() {
        let x = Tensor::from_slice(&[-1.0f32, 0.0, 2.0]);
        let y = Activation::Lrelu(0.33).apply(&x, None);
        assert_eq!(Vec::<f32>::try_from(y).unwrap(), vec![-0.33, 0.0, 2.0]);
    }
}
