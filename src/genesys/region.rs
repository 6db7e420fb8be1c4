//! Genesys Cloud regions: AWS-style ids and host names, to API and login base URLs.

/// (region id, host) for every Genesys Cloud region, as the official SDK names them.
pub const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "mypurecloud.com"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("eu-central-1", "mypurecloud.de"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
];

/// The default region when none is given (the SDKs' default).
pub const DEFAULT_REGION: &str = "mypurecloud.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub id: &'static str,
    pub host: &'static str,
}

impl Region {
    /// Finds a region by id (`eu-west-1`) or host (`mypurecloud.ie`), case-insensitively.
    /// Also accepts a host with `api.`/`login.` in front or `https://` around it, as people paste them.
    pub fn find(name: &str) -> Result<Region, String> {
        let n = name.trim().trim_end_matches('/').to_ascii_lowercase();
        let n = n
            .strip_prefix("https://")
            .or_else(|| n.strip_prefix("http://"))
            .unwrap_or(&n);
        let n = n
            .strip_prefix("api.")
            .or_else(|| n.strip_prefix("login."))
            .unwrap_or(n);
        REGIONS
            .iter()
            .find(|(id, host)| *id == n || *host == n)
            .map(|&(id, host)| Region { id, host })
            .ok_or_else(|| {
                let list: Vec<String> = REGIONS
                    .iter()
                    .map(|(id, host)| format!("{host} ({id})"))
                    .collect();
                format!(
                    "unknown region '{}': use one of {}",
                    name.trim(),
                    list.join(", ")
                )
            })
    }

    pub fn api_base(&self) -> String {
        format!("https://api.{}", self.host)
    }

    pub fn login_base(&self) -> String {
        format!("https://login.{}", self.host)
    }
}

/// The login URL that goes with an API URL: its `api.` host prefix turned into `login.`, or the
/// same URL when there is no such prefix (a proxy, or the simulator).
pub fn login_url_for(api_url: &str) -> String {
    let api_url = api_url.trim_end_matches('/');
    if let Some((scheme, rest)) = api_url.split_once("://")
        && let Some(host) = rest.strip_prefix("api.")
    {
        return format!("{scheme}://login.{host}");
    }
    api_url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_resolve_by_id_and_by_host() {
        assert_eq!(Region::find("eu-west-1").unwrap().host, "mypurecloud.ie");
        assert_eq!(Region::find("usw2.pure.cloud").unwrap().id, "us-west-2");
        assert_eq!(
            Region::find("  MyPureCloud.DE ").unwrap().id,
            "eu-central-1"
        );
        assert_eq!(
            Region::find("https://api.mypurecloud.jp/").unwrap().id,
            "ap-northeast-1"
        );
        assert_eq!(
            Region::find("mypurecloud.com.au").unwrap().api_base(),
            "https://api.mypurecloud.com.au"
        );
    }

    #[test]
    fn unknown_region_lists_the_valid_ones() {
        let e = Region::find("mars-1").unwrap_err();
        assert!(e.contains("unknown region 'mars-1'"));
        for (id, host) in REGIONS {
            assert!(e.contains(id) && e.contains(host), "{id} missing");
        }
    }

    #[test]
    fn login_url_follows_the_api_url() {
        assert_eq!(
            login_url_for("https://api.mypurecloud.ie"),
            "https://login.mypurecloud.ie"
        );
        assert_eq!(
            login_url_for("http://127.0.0.1:8642/"),
            "http://127.0.0.1:8642"
        );
    }
}
