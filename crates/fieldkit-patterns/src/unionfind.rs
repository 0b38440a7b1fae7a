//! Union-find over fine cluster ids: records which fine cluster ended in which final one.

pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).map(|i| i as u32).collect() }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            // Path halving keeps later finds short.
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Union keeping the smaller id as the root, so a final cluster's id is the id of its
    /// first message's fine cluster whatever order the merges happened in.
    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi as usize] = lo;
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_id_is_root() {
        let mut uf = UnionFind::new(5);
        assert_eq!(uf.union(4, 3), 3);
        assert_eq!(uf.union(3, 1), 1);
        assert_eq!(uf.find(4), 1);
        assert_eq!(uf.find(0), 0);
        assert_eq!(uf.union(0, 4), 0);
        assert_eq!(uf.find(3), 0);
    }
}
