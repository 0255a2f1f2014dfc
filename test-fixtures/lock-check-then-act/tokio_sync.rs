//! Async service registry and lazily connected client behind `tokio::sync` locks.

use std::collections::HashMap;
use std::net::SocketAddr;

use tokio::sync::{Mutex, OnceCell, RwLock};

use crate::upstream::{Client, Request, RegistryError};

pub struct Gateway {
    url: String,
    client: Mutex<Option<Client>>,
    services: RwLock<HashMap<String, SocketAddr>>,
    pending: Mutex<Vec<Request>>,
    limit: usize,
    shared_client: OnceCell<Client>,
}

impl Gateway {
    // fire: lazy initialisation with the guard released across the connect; two
    // requests both connect and the second client replaces the first.
    pub async fn client(&self) -> Client {
        if self.client.lock().await.is_none() {
            let fresh = Client::connect(&self.url).await;
            *self.client.lock().await = Some(fresh); //~ lock-check-then-act
        }
        self.client.lock().await.clone().expect("client was just set")
    }

    // fire: duplicate check under `read().await`, registration under `write().await`.
    pub async fn register(&self, name: String, addr: SocketAddr) -> Result<(), RegistryError> {
        if self.services.read().await.contains_key(&name) {
            return Err(RegistryError::Duplicate(name));
        }
        self.services.write().await.insert(name, addr); //~ lock-check-then-act
        Ok(())
    }

    // fire: back-pressure limit checked under one acquisition, the push made under
    // another; a burst of requests all see room and overshoot the limit.
    pub async fn submit(&self, req: Request) -> Result<(), Request> {
        let len = self.pending.lock().await.len();
        if len >= self.limit {
            return Err(req);
        }
        self.pending.lock().await.push(req); //~ lock-check-then-act
        Ok(())
    }

    // quiet: the tokio guard is held across the `.await` of the connect.
    pub async fn client_held(&self) -> Client {
        let mut slot = self.client.lock().await;
        if slot.is_none() {
            *slot = Some(Client::connect(&self.url).await);
        }
        slot.clone().expect("client was just set")
    }

    // quiet: `write().await` from the start; check and insert under one guard.
    pub async fn register_exclusive(&self, name: String, addr: SocketAddr) -> Result<(), RegistryError> {
        let mut services = self.services.write().await;
        if services.contains_key(&name) {
            return Err(RegistryError::Duplicate(name));
        }
        services.insert(name, addr);
        Ok(())
    }

    // quiet: `OnceCell::get_or_init` runs the initialiser at most once; no lock is
    // acquired twice.
    pub async fn shared_client(&self) -> &Client {
        self.shared_client
            .get_or_init(|| async { Client::connect(&self.url).await })
            .await
    }
}
