use super::*;

#[test]
fn gcd_rule() {
    assert_eq!(gcd(5, 15), 5);
    assert_eq!(gcd(4, 6), 2);
    assert_eq!(gcd(5, 0), 5);
}
