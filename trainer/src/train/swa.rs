//! Stochastic weight averaging (Izmailov et al., 2018): the running mean of the weights at the
//! end of several epochs, which tends to sit in a flatter part of the loss surface than any one
//! of them. The network has no batch normalisation, so the mean needs no statistics recomputed.
use tch::nn::VarStore;

/// A running mean of the variables of one network over epochs, kept in a store of its own (in
/// f32, as the store is; the soup of finished models, [`crate::export::soup`], sums in f64).
pub struct SwaMean {
    store: VarStore,
    count: usize,
}

impl SwaMean {
    /// `store` must hold the same network as the stores later added (same variable names).
    pub fn new(store: VarStore) -> Self {
        Self { store, count: 0 }
    }

    /// Adds the current weights of `vs` to the mean.
    pub fn add(&mut self, vs: &VarStore) -> anyhow::Result<()> {
        if self.count == 0 {
            self.store.copy(vs)?;
        } else {
            let current = vs.variables();
            let weight = 1.0 / (self.count + 1) as f64;
            tch::no_grad(|| -> anyhow::Result<()> {
                for (name, mut mean) in self.store.variables() {
                    let value = current.get(&name).ok_or_else(|| anyhow::anyhow!("no variable {name} to average"))?;
                    // mean += (value - mean) / (count + 1)
                    let _ = mean.f_add_(&((value - &mean) * weight))?;
                }
                Ok(())
            })?;
        }
        self.count += 1;
        Ok(())
    }

    /// How many weight sets the mean holds.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The store holding the mean.
    pub fn store(&self) -> &VarStore {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn store_with(value: f64) -> VarStore {
        let vs = VarStore::new(Device::Cpu);
        let _ = vs.root().var("w", &[3], tch::nn::Init::Const(value));
        vs
    }

    fn value(vs: &VarStore) -> Vec<f64> {
        let t = vs.variables()["w"].to_kind(Kind::Double);
        Vec::<f64>::try_from(&t).unwrap_or_default()
    }

    #[test]
    fn the_mean_of_three_weight_sets() {
        let mut avg = SwaMean::new(store_with(0.0));
        for v in [1.0, 2.0, 6.0] {
            avg.add(&store_with(v)).unwrap();
        }
        assert_eq!(avg.count(), 3);
        for x in value(avg.store()) {
            assert!((x - 3.0).abs() < 1e-6, "{x}");
        }
        // The stores added are left as they were.
        let added = store_with(6.0);
        avg.add(&added).unwrap();
        assert_eq!(value(&added), vec![6.0; 3]);
    }
}
