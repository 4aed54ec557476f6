//! `+`, `-`, `+=` and `-=` on [`Resources`].

use std::ops::{Add, AddAssign, Sub, SubAssign};

use super::Resources;
use crate::types::Resource;

impl AddAssign<&Resources> for Resources {
    fn add_assign(&mut self, other: &Resources) {
        for r in &other.0 {
            self.add_canonical(r.clone());
        }
    }
}

impl AddAssign<Resources> for Resources {
    fn add_assign(&mut self, other: Resources) {
        for r in other.0 {
            self.add_canonical(r);
        }
    }
}

impl AddAssign<Resource> for Resources {
    fn add_assign(&mut self, other: Resource) {
        self.add_resource(other);
    }
}

impl SubAssign<&Resources> for Resources {
    fn sub_assign(&mut self, other: &Resources) {
        for r in &other.0 {
            self.subtract_canonical(r);
        }
    }
}

impl SubAssign<Resources> for Resources {
    fn sub_assign(&mut self, other: Resources) {
        *self -= &other;
    }
}

impl SubAssign<&Resource> for Resources {
    fn sub_assign(&mut self, other: &Resource) {
        self.subtract_resource(other);
    }
}

impl SubAssign<Resource> for Resources {
    fn sub_assign(&mut self, other: Resource) {
        self.subtract_resource(&other);
    }
}

impl Add for Resources {
    type Output = Resources;

    fn add(mut self, other: Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<&Resources> for Resources {
    type Output = Resources;

    fn add(mut self, other: &Resources) -> Resources {
        self += other;
        self
    }
}

impl Add<&Resources> for &Resources {
    type Output = Resources;

    fn add(self, other: &Resources) -> Resources {
        self.clone() + other
    }
}

impl Add<Resource> for Resources {
    type Output = Resources;

    fn add(mut self, other: Resource) -> Resources {
        self += other;
        self
    }
}

impl Sub for Resources {
    type Output = Resources;

    fn sub(mut self, other: Resources) -> Resources {
        self -= &other;
        self
    }
}

impl Sub<&Resources> for Resources {
    type Output = Resources;

    fn sub(mut self, other: &Resources) -> Resources {
        self -= other;
        self
    }
}

impl Sub<&Resources> for &Resources {
    type Output = Resources;

    fn sub(self, other: &Resources) -> Resources {
        self.clone() - other
    }
}

impl Sub<Resource> for Resources {
    type Output = Resources;

    fn sub(mut self, other: Resource) -> Resources {
        self -= &other;
        self
    }
}

impl Sub<&Resource> for Resources {
    type Output = Resources;

    fn sub(mut self, other: &Resource) -> Resources {
        self -= other;
        self
    }
}
