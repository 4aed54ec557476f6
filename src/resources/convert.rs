//! Conversions between [`Resources`] and resources, slices, vectors and iterators.

use std::iter::Sum;
use std::ops::Deref;

use super::Resources;
use crate::types::Resource;

impl PartialEq for Resources {
    fn eq(&self, other: &Resources) -> bool {
        self.0.len() == other.0.len() && self.contains(other) && other.contains(self)
    }
}

impl Deref for Resources {
    type Target = [Resource];

    fn deref(&self) -> &[Resource] {
        &self.0
    }
}

impl AsRef<[Resource]> for Resources {
    fn as_ref(&self) -> &[Resource] {
        &self.0
    }
}

impl From<Resource> for Resources {
    fn from(resource: Resource) -> Resources {
        let mut rs = Resources::new();
        rs.add_resource(resource);
        rs
    }
}

impl From<Vec<Resource>> for Resources {
    fn from(resources: Vec<Resource>) -> Resources {
        resources.into_iter().collect()
    }
}

impl From<&[Resource]> for Resources {
    fn from(resources: &[Resource]) -> Resources {
        resources.iter().cloned().collect()
    }
}

impl<const N: usize> From<[Resource; N]> for Resources {
    fn from(resources: [Resource; N]) -> Resources {
        resources.into_iter().collect()
    }
}

impl From<Resources> for Vec<Resource> {
    fn from(resources: Resources) -> Vec<Resource> {
        resources.0
    }
}

impl FromIterator<Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = Resource>>(iter: I) -> Resources {
        let mut rs = Resources::new();
        rs.extend(iter);
        rs
    }
}

impl<'a> FromIterator<&'a Resource> for Resources {
    fn from_iter<I: IntoIterator<Item = &'a Resource>>(iter: I) -> Resources {
        iter.into_iter().cloned().collect()
    }
}

impl Extend<Resource> for Resources {
    fn extend<I: IntoIterator<Item = Resource>>(&mut self, iter: I) {
        for r in iter {
            self.add_resource(r);
        }
    }
}

impl IntoIterator for Resources {
    type Item = Resource;
    type IntoIter = std::vec::IntoIter<Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Sum for Resources {
    fn sum<I: Iterator<Item = Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), |acc, r| acc + r)
    }
}

impl<'a> Sum<&'a Resources> for Resources {
    fn sum<I: Iterator<Item = &'a Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), |acc, r| acc + r)
    }
}

impl Sum<Resource> for Resources {
    fn sum<I: Iterator<Item = Resource>>(iter: I) -> Resources {
        iter.collect()
    }
}
