/// One Styrene message type: styrened's member name and its byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType {
    /// styrened's `StyreneMessageType` member name, e.g. `"CHAT"`.
    pub name: &'static str,
    /// The type byte on the wire.
    pub value: u8,
}

macro_rules! message_types {
    ($($name:ident = $value:literal,)*) => {
        impl MessageType {
            $(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($value), ")")]
                pub const $name: MessageType = MessageType { name: stringify!($name), value: $value };
            )*
        }
        /// The 56 members of styrened 0.18.0's `StyreneMessageType`, in definition order.
        pub const MESSAGE_TYPES: &[MessageType] = &[$(MessageType::$name,)*];
    };
}

message_types! {
    PING = 0x01, PONG = 0x02, HEARTBEAT = 0x03,
    STATUS_REQUEST = 0x10, STATUS_RESPONSE = 0x11,
    CAPABILITIES_REQUEST = 0x12, CAPABILITIES_RESPONSE = 0x13,
    CHAT = 0x20, CHAT_ACK = 0x21, FILE_OFFER = 0x22, FILE_ACCEPT = 0x23, FILE_CHUNK = 0x24,
    ANNOUNCE = 0x30, ANNOUNCE_ACK = 0x31, PEER_REQUEST = 0x32, PEER_RESPONSE = 0x33,
    VPN_HANDSHAKE_REQUEST = 0x34, VPN_HANDSHAKE_RESPONSE = 0x35,
    EXEC = 0x40, REBOOT = 0x41, CONFIG_UPDATE = 0x42, SERVICE_CONTROL = 0x43,
    INBOX_QUERY = 0x44, MESSAGES_QUERY = 0x45, SELF_UPDATE = 0x46, PROVISION = 0x47,
    EXEC_RESULT = 0x60, REBOOT_RESULT = 0x61, CONFIG_RESULT = 0x62, SERVICE_RESULT = 0x63,
    INBOX_RESPONSE = 0x64, MESSAGES_RESPONSE = 0x65, SELF_UPDATE_RESULT = 0x66, PROVISION_RESULT = 0x67,
    REGISTRY_QUERY = 0x80, REGISTRY_RESPONSE = 0x81, FLEET_STATUS_REQUEST = 0x82, FLEET_STATUS_RESPONSE = 0x83,
    SUBSCRIBE = 0xA0, UNSUBSCRIBE = 0xA1, PUBLISH = 0xA2, SUBSCRIPTION_ACK = 0xA3,
    TERMINAL_REQUEST = 0xC0, TERMINAL_ACCEPT = 0xC1, TERMINAL_REJECT = 0xC2, TERMINAL_RESIZE = 0xC3,
    TERMINAL_SIGNAL = 0xC4, TERMINAL_CLOSE = 0xC5, TERMINAL_CLOSED = 0xC6,
    PQC_INITIATE = 0xD0, PQC_RESPOND = 0xD1, PQC_CONFIRM = 0xD2, PQC_REKEY = 0xD3,
    PQC_DATA = 0xD4, PQC_CLOSE = 0xD5,
    ERROR = 0xFF,
}

impl MessageType {
    /// The member with this byte, if styrened defines one. Bytes only styrene-rs
    /// uses (0x48, 0xD6, 0xE0, ...) have none, exactly as in styrened.
    pub fn from_byte(value: u8) -> Option<MessageType> {
        MESSAGE_TYPES.iter().copied().find(|t| t.value == value)
    }

    /// The member with this name (styrened's spelling, e.g. `"TERMINAL_CLOSE"`).
    pub fn from_name(name: &str) -> Option<MessageType> {
        MESSAGE_TYPES.iter().copied().find(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_56_unique_members() {
        assert_eq!(MESSAGE_TYPES.len(), 56);
        let mut bytes: Vec<u8> = MESSAGE_TYPES.iter().map(|t| t.value).collect();
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), 56);
    }

    #[test]
    fn rs_only_bytes_are_not_members() {
        for byte in [0x00, 0x48, 0x49, 0x68, 0x69, 0x84, 0x88, 0xD6, 0xD7, 0xD8, 0xDE, 0xE0, 0xE2, 0xFE] {
            assert_eq!(MessageType::from_byte(byte), None, "0x{byte:02x}");
        }
        assert_eq!(MessageType::from_byte(0x46), Some(MessageType::SELF_UPDATE));
        assert_eq!(MessageType::from_name("TERMINAL_SIGNAL").map(|t| t.value), Some(0xC4));
    }
}
