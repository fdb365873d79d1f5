//! Lists the UPSes of a server and the status of each, with the tokio
//! client on a current-thread runtime.
//!
//! ```sh
//! cargo run -p nut-examples --example tokio_client -- localhost:3493
//! ```

use nut_proto::client::{ConnectOptions, Target, tokio::Client};

fn main() {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost".to_owned());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run(&arg)) {
        eprintln!("Error: {}", e.nut_message());
        std::process::exit(1);
    }
}

async fn run(arg: &str) -> Result<(), nut_proto::Error> {
    let server = Target::parse_host(arg)?;
    let mut client = Client::connect_target(&server, &ConnectOptions::default()).await?;
    for ups in client.list_ups().await? {
        let status = client.get_var(&ups.name, "ups.status").await?;
        println!("{}: {} ({})", ups.name, status, ups.description);
    }
    Ok(())
}
