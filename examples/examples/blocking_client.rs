//! Prints every variable of a UPS, like `upsc ups@host`, with the blocking
//! client.
//!
//! ```sh
//! cargo run -p nut-examples --example blocking_client -- ups@localhost:3493
//! ```

use nut_proto::client::{ConnectOptions, Target, blocking::Client};

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "ups".to_owned());
    if let Err(e) = run(&arg) {
        eprintln!("Error: {}", e.nut_message());
        std::process::exit(1);
    }
}

fn run(arg: &str) -> Result<(), nut_proto::Error> {
    let target = Target::parse(arg)?;
    let ups = target.ups.clone().unwrap_or_default();
    let mut client = Client::connect_target(&target, &ConnectOptions::default())?;
    for var in client.list_var(&ups)? {
        println!("{}: {}", var.name, var.value);
    }
    Ok(())
}
