//! One test-side trait over both client adapters, so every scenario runs
//! against the blocking and the tokio client alike.

use std::time::Duration;

use nut_proto::Error;
use nut_proto::client::{ConnectOptions, Range, TrackingStatus, UpsEntry, Var};
use nut_proto::model::VarType;

/// The typed client API, as both adapters offer it.
pub(crate) trait Api {
    api_methods!(declare!());
}

/// Which adapter a suite run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adapter {
    #[cfg(feature = "blocking")]
    Blocking,
    #[cfg(feature = "tokio")]
    Tokio,
}

/// Every adapter compiled in.
pub(crate) fn adapters() -> Vec<Adapter> {
    vec![
        #[cfg(feature = "blocking")]
        Adapter::Blocking,
        #[cfg(feature = "tokio")]
        Adapter::Tokio,
    ]
}

/// Connects with `adapter`.
pub(crate) fn connect(
    adapter: Adapter,
    host: &str,
    port: u16,
    options: &ConnectOptions,
) -> Result<Box<dyn Api>, Error> {
    match adapter {
        #[cfg(feature = "blocking")]
        Adapter::Blocking => Ok(Box::new(nut_proto::client::blocking::Client::connect(
            host, port, options,
        )?)),
        #[cfg(feature = "tokio")]
        Adapter::Tokio => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let client = rt.block_on(nut_proto::client::tokio::Client::connect(
                host, port, options,
            ))?;
            Ok(Box::new(TokioApi { rt, client }))
        }
    }
}

/// Hands the typed API's signatures to `$then!`, after `$args`.
macro_rules! api_methods {
    ($then:ident! $args:tt) => {
        $then! { $args
            fn ver(&mut self) -> Result<String, Error>;
            fn netver(&mut self) -> Result<String, Error>;
            fn help(&mut self) -> Result<String, Error>;
            fn list_ups(&mut self) -> Result<Vec<UpsEntry>, Error>;
            fn list_var(&mut self, ups: &str) -> Result<Vec<Var>, Error>;
            fn list_rw(&mut self, ups: &str) -> Result<Vec<Var>, Error>;
            fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, Error>;
            fn list_enum(&mut self, ups: &str, var: &str) -> Result<Vec<String>, Error>;
            fn list_range(&mut self, ups: &str, var: &str) -> Result<Vec<Range>, Error>;
            fn list_client(&mut self, ups: &str) -> Result<Vec<String>, Error>;
            fn get_var(&mut self, ups: &str, var: &str) -> Result<String, Error>;
            fn get_type(&mut self, ups: &str, var: &str) -> Result<VarType, Error>;
            fn get_desc(&mut self, ups: &str, var: &str) -> Result<String, Error>;
            fn get_cmddesc(&mut self, ups: &str, cmd: &str) -> Result<String, Error>;
            fn get_upsdesc(&mut self, ups: &str) -> Result<String, Error>;
            fn get_numlogins(&mut self, ups: &str) -> Result<u32, Error>;
            fn username(&mut self, name: &str) -> Result<(), Error>;
            fn password(&mut self, password: &str) -> Result<(), Error>;
            fn login(&mut self, ups: &str) -> Result<(), Error>;
            fn logout(&mut self) -> Result<(), Error>;
            fn primary(&mut self, ups: &str) -> Result<(), Error>;
            fn fsd(&mut self, ups: &str) -> Result<(), Error>;
            fn set_var(&mut self, ups: &str, var: &str, value: &str) -> Result<Option<String>, Error>;
            fn instcmd(&mut self, ups: &str, cmd: &str, param: Option<&str>) -> Result<Option<String>, Error>;
            fn set_tracking(&mut self, on: bool) -> Result<(), Error>;
            fn tracking_enabled(&mut self) -> Result<bool, Error>;
            fn get_tracking(&mut self, id: &str) -> Result<TrackingStatus, Error>;
            fn wait_for_tracking(&mut self, id: &str, timeout: Duration, poll: Duration) -> Result<TrackingStatus, Error>;
            fn request_raw(&mut self, line: &str) -> Result<String, Error>;
        }
    };
}
use api_methods;

/// The trait's method declarations.
macro_rules! declare {
    (() $( fn $name:ident(&mut self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $( fn $name(&mut self $(, $arg: $ty)*) -> $ret; )*
    };
}
use declare;

/// Forwards each method to the inner client through `$wrap!`.
macro_rules! forward {
    (($self:ident, $wrap:ident) $( fn $name:ident(&mut self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $( fn $name(&mut $self $(, $arg: $ty)*) -> $ret { $wrap!($self, $name($($arg),*)) } )*
    };
}

#[cfg(feature = "blocking")]
macro_rules! direct {
    ($self:ident, $name:ident($($arg:ident),*)) => {
        nut_proto::client::blocking::Client::$name($self, $($arg),*)
    };
}

#[cfg(feature = "blocking")]
impl Api for nut_proto::client::blocking::Client {
    api_methods!(forward!(self, direct));
}

/// The tokio client plus the runtime that drives it.
#[cfg(feature = "tokio")]
pub(crate) struct TokioApi {
    rt: tokio::runtime::Runtime,
    client: nut_proto::client::tokio::Client,
}

#[cfg(feature = "tokio")]
macro_rules! on_runtime {
    ($self:ident, $name:ident($($arg:ident),*)) => {
        $self.rt.block_on($self.client.$name($($arg),*))
    };
}

#[cfg(feature = "tokio")]
impl Api for TokioApi {
    api_methods!(forward!(self, on_runtime));
}
