//! The single-use submission token of a survey form: `base64url(payload) "." base64url(HMAC-SHA256(key, payload))`,
//! the payload holding the agency, the round, the instrument, a random nonce and an expiry. The server keeps
//! nothing when it hands a form out; the nonce is stored only when the form comes back, so a replay is refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use sha2::Sha256;
use uuid::Uuid;

/// How long a form may stay open before it must be opened again: a day (the answers wait in the browser).
pub const TOKEN_LIFETIME_SECONDS: i64 = 24 * 3600;

/// The name of the server secret the tokens are signed with.
pub const SECRET_NAME: &str = "survey-token";

/// Agency id, round id, instrument, nonce, expiry (big-endian Unix seconds).
const PAYLOAD_LENGTH: usize = 16 + 16 + 1 + 16 + 8;

/// แบบวัด: the two surveys a respondent answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SurveyInstrument {
    /// แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายใน: the agency's staff, behind an access code.
    Iit,
    /// แบบวัดการรับรู้ของผู้มีส่วนได้ส่วนเสียภายนอก: anyone the agency serves, by a public link.
    Eit,
}

impl SurveyInstrument {
    /// The methodology's instrument code.
    pub fn code(self) -> &'static str {
        match self {
            SurveyInstrument::Iit => "IIT",
            SurveyInstrument::Eit => "EIT",
        }
    }

    /// The last part of the form's path.
    pub fn slug(self) -> &'static str {
        match self {
            SurveyInstrument::Iit => "iit",
            SurveyInstrument::Eit => "eit",
        }
    }

    pub fn from_slug(slug: &str) -> Option<SurveyInstrument> {
        match slug {
            "iit" => Some(SurveyInstrument::Iit),
            "eit" => Some(SurveyInstrument::Eit),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        match self {
            SurveyInstrument::Iit => b'I',
            SurveyInstrument::Eit => b'E',
        }
    }

    fn from_byte(byte: u8) -> Option<SurveyInstrument> {
        match byte {
            b'I' => Some(SurveyInstrument::Iit),
            b'E' => Some(SurveyInstrument::Eit),
            _ => None,
        }
    }
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    pub agency_id: Uuid,
    pub round_id: Uuid,
    pub instrument: SurveyInstrument,
    pub nonce: [u8; 16],
    /// Unix seconds.
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not one of ours: malformed, or its signature does not match.
    #[error("token forged or malformed")]
    Forged,
    #[error("token expired")]
    Expired,
    /// Signed by us, but for another agency, round or instrument than the form it came with.
    #[error("token of another form")]
    OtherForm,
}

/// The signing key (the server secret); never shown.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(****)")
    }
}

impl TokenKey {
    pub fn new(secret: Vec<u8>) -> TokenKey {
        TokenKey(secret)
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }

    /// A fresh token for one form view, valid for [`TOKEN_LIFETIME_SECONDS`] from `now`.
    pub fn issue(&self, agency_id: Uuid, round_id: Uuid, instrument: SurveyInstrument, now: i64) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let claims =
            TokenClaims { agency_id, round_id, instrument, nonce, expires_at: now + TOKEN_LIFETIME_SECONDS };
        self.sign(&claims)
    }

    /// The token of exactly these claims.
    pub fn sign(&self, claims: &TokenClaims) -> String {
        let mut payload = Vec::with_capacity(PAYLOAD_LENGTH);
        payload.extend_from_slice(claims.agency_id.as_bytes());
        payload.extend_from_slice(claims.round_id.as_bytes());
        payload.push(claims.instrument.byte());
        payload.extend_from_slice(&claims.nonce);
        payload.extend_from_slice(&claims.expires_at.to_be_bytes());
        let mut mac = self.mac();
        mac.update(&payload);
        let signature = mac.finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(signature))
    }

    /// Checks the signature (in constant time), the expiry, and that the token belongs to this form.
    pub fn verify(
        &self,
        token: &str,
        agency_id: Uuid,
        round_id: Uuid,
        instrument: SurveyInstrument,
        now: i64,
    ) -> Result<TokenClaims, TokenError> {
        let (payload, signature) = token.trim().split_once('.').ok_or(TokenError::Forged)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Forged)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Forged)?;
        let mut mac = self.mac();
        mac.update(&payload);
        mac.verify_slice(&signature).map_err(|_| TokenError::Forged)?;
        let claims = parse_payload(&payload).ok_or(TokenError::Forged)?;
        if claims.agency_id != agency_id || claims.round_id != round_id || claims.instrument != instrument {
            return Err(TokenError::OtherForm);
        }
        if claims.expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

fn parse_payload(payload: &[u8]) -> Option<TokenClaims> {
    if payload.len() != PAYLOAD_LENGTH {
        return None;
    }
    let agency_id = Uuid::from_slice(&payload[0..16]).ok()?;
    let round_id = Uuid::from_slice(&payload[16..32]).ok()?;
    let instrument = SurveyInstrument::from_byte(payload[32])?;
    let nonce: [u8; 16] = payload[33..49].try_into().ok()?;
    let expires_at = i64::from_be_bytes(payload[49..57].try_into().ok()?);
    Some(TokenClaims { agency_id, round_id, instrument, nonce, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn key() -> TokenKey {
        TokenKey::new(vec![7; 32])
    }

    #[test]
    fn a_token_verifies_for_its_own_form_until_it_expires() {
        let (agency, round) = (Uuid::new_v4(), Uuid::new_v4());
        let token = key().issue(agency, round, SurveyInstrument::Eit, NOW);
        let claims = key().verify(&token, agency, round, SurveyInstrument::Eit, NOW + 60).unwrap();
        assert_eq!(claims.expires_at, NOW + TOKEN_LIFETIME_SECONDS);
        assert_eq!(
            key().verify(&token, agency, round, SurveyInstrument::Eit, NOW + TOKEN_LIFETIME_SECONDS),
            Err(TokenError::Expired)
        );
        assert_eq!(
            key().verify(&token, agency, round, SurveyInstrument::Iit, NOW),
            Err(TokenError::OtherForm),
            "an EIT token does not open the IIT"
        );
        assert_eq!(
            key().verify(&token, Uuid::new_v4(), round, SurveyInstrument::Eit, NOW),
            Err(TokenError::OtherForm)
        );
    }

    #[test]
    fn two_views_of_a_form_get_different_nonces() {
        let (agency, round) = (Uuid::new_v4(), Uuid::new_v4());
        let first = key().verify(
            &key().issue(agency, round, SurveyInstrument::Iit, NOW),
            agency,
            round,
            SurveyInstrument::Iit,
            NOW,
        );
        let second = key().verify(
            &key().issue(agency, round, SurveyInstrument::Iit, NOW),
            agency,
            round,
            SurveyInstrument::Iit,
            NOW,
        );
        assert_ne!(first.unwrap().nonce, second.unwrap().nonce);
    }

    #[test]
    fn a_changed_payload_a_foreign_key_or_garbage_is_forged() {
        let (agency, round) = (Uuid::new_v4(), Uuid::new_v4());
        let token = key().issue(agency, round, SurveyInstrument::Eit, NOW);
        let (payload, signature) = token.split_once('.').unwrap();
        // A later expiry, signed with the old signature.
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[56] ^= 1;
        let tampered = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(
            key().verify(&tampered, agency, round, SurveyInstrument::Eit, NOW),
            Err(TokenError::Forged)
        );
        let foreign = TokenKey::new(vec![8; 32]).issue(agency, round, SurveyInstrument::Eit, NOW);
        assert_eq!(
            key().verify(&foreign, agency, round, SurveyInstrument::Eit, NOW),
            Err(TokenError::Forged)
        );
        for garbage in ["", ".", "abc", "abc.def", "ไทย.ไทย"] {
            assert_eq!(
                key().verify(garbage, agency, round, SurveyInstrument::Eit, NOW),
                Err(TokenError::Forged)
            );
        }
    }
}
