// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IAutomataDcapAttestation} from "./IAutomataDcapAttestation.sol";

/// @title Registers application keys that a verified SGX/TDX quote binds, under an owner's policy
/// @notice `register(rawQuote)` has Automata's verifier check the quote, applies the policy to the
/// verified output (TEE type, minimum TCB status, allowed measurements, no debug TEEs, optionally
/// freshness: the nonce answers a challenge no older than maxQuoteAge), reads the key id that
/// dcapd's binding rule puts in report_data and registers it until now + maxAge.
/// Every outcome emits an event; a rejection returns false instead of reverting, so that its event
/// stays on chain.
///
/// report_data (dcapd binding rule, "dcapdbv1"): magic[0..8] | keyType[8] (1 P-256, 2 secp256k1) |
/// zero[9..12] | keyId[12..32] | nonceHash[32..64]. For secp256k1 the key id is the key's Ethereum
/// address; for P-256 it is SHA-256(X || Y)[0..20].
contract DcapKeyRegistry {
    // --- Automata's VerifiedOutput layout ---------------------------------------------------------
    uint256 internal constant OUT_VERSION = 0;
    uint256 internal constant OUT_BODY_TYPE = 2;
    uint256 internal constant OUT_TCB_STATUS = 4;
    uint256 internal constant OUT_FMSPC = 5;
    uint256 internal constant OUT_BODY = 11;

    uint16 public constant BODY_SGX = 1;
    uint16 public constant BODY_TD10 = 2;
    uint16 public constant BODY_TD15 = 3;
    uint256 internal constant SGX_BODY_SIZE = 384;
    uint256 internal constant TD10_BODY_SIZE = 584;
    uint256 internal constant TD15_BODY_SIZE = 648;

    // --- Offsets inside the quote body -------------------------------------------------------------
    uint256 internal constant SGX_ATTRIBUTES = 48; // flags byte: bit 1 = DEBUG
    uint256 internal constant SGX_MRENCLAVE = 64;
    uint256 internal constant SGX_REPORT_DATA = 320;
    uint256 internal constant TD_ATTRIBUTES = 120; // first byte: bit 0 = DEBUG
    uint256 internal constant TD_MRTD = 136;
    uint256 internal constant TD_RTMR0 = 328;
    uint256 internal constant TD_RTMRS_SIZE = 4 * 48;
    uint256 internal constant TD_REPORT_DATA = 520;
    uint256 internal constant MR_SIZE = 48;

    // --- dcapd's report_data binding ---------------------------------------------------------------
    bytes8 public constant BINDING_MAGIC = "dcapdbv1";
    uint256 internal constant RD_KEY_TYPE = 8;
    uint256 internal constant RD_KEY_ID = 12;
    uint256 internal constant RD_NONCE = 32;
    uint8 public constant KEY_P256 = 1;
    uint8 public constant KEY_SECP256K1 = 2;

    // --- Automata TCB status codes, and the severity rank the policy compares ----------------------
    uint8 public constant TCB_OK = 0;
    uint8 public constant TCB_REVOKED = 6;
    uint8 public constant TCB_UNRECOGNIZED = 7;

    // --- Why a registration was refused (RegistrationRejected.reason) -------------------------------
    uint8 public constant REJECT_VERIFIER_REVERTED = 1;
    uint8 public constant REJECT_NOT_VERIFIED = 2;
    uint8 public constant REJECT_OUTPUT_MALFORMED = 3;
    uint8 public constant REJECT_TEE_NOT_ALLOWED = 4;
    uint8 public constant REJECT_TCB_STATUS = 5;
    uint8 public constant REJECT_MEASUREMENT = 6;
    uint8 public constant REJECT_DEBUG = 7;
    uint8 public constant REJECT_NO_BINDING = 8;
    uint8 public constant REJECT_STALE = 9;

    struct Registration {
        uint8 keyType;
        uint8 tcbStatus;
        uint16 bodyType;
        uint64 registeredAt;
        uint64 expiresAt;
        bytes32 measurement; // keccak256(MRTD) for TDX, MRENCLAVE for SGX
        bytes32 nonceHash;
    }

    address public owner;
    IAutomataDcapAttestation public verifier;
    /// 0: Automata's standard TCB evaluation; else the number passed to the two-argument overload.
    uint32 public tcbEvaluationDataNumber;
    bool public sgxAllowed;
    bool public tdxAllowed;
    /// The worst Automata TCB status still accepted (by severity, see statusRank).
    uint8 public minimumTcbStatus;
    /// Seconds a registration lasts.
    uint64 public maxAge;
    bool public debugAllowed;
    /// When set, a TD's RTMR0-3 must be an allowed set too.
    bool public rtmrsRequired;
    mapping(bytes32 => bool) public mrTdAllowed; // keccak256(48-byte MRTD)
    mapping(bytes32 => bool) public rtmrsAllowed; // keccak256(RTMR0 || RTMR1 || RTMR2 || RTMR3)
    mapping(bytes32 => bool) public mrEnclaveAllowed;
    mapping(bytes20 => Registration) private registrations;
    /// When set, report_data's nonce must answer an unused challenge of this contract no older
    /// than maxQuoteAge: a quote made before the challenge, or replayed, is refused.
    bool public freshnessRequired;
    uint64 public maxQuoteAge;
    /// sha256(nonce) of each open challenge -> when it was issued.
    mapping(bytes32 => uint64) public challengeIssuedAt;
    uint256 private challengeCount;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event VerifierChanged(address indexed verifier, uint32 tcbEvaluationDataNumber);
    event TeeTypesChanged(bool sgxAllowed, bool tdxAllowed);
    event MinimumTcbStatusChanged(uint8 status);
    event MaxAgeChanged(uint64 maxAge);
    event DebugAllowedChanged(bool allowed);
    event MrTdAllowed(bytes32 indexed mrTdHash, bool allowed);
    event RtmrsAllowed(bytes32 indexed rtmrsHash, bool allowed);
    event RtmrsRequiredChanged(bool required);
    event MrEnclaveAllowed(bytes32 indexed mrEnclave, bool allowed);
    event KeyRegistered(
        bytes20 indexed keyId, uint8 keyType, uint8 tcbStatus, uint64 expiresAt, bytes32 measurement, bytes32 quoteHash
    );
    event RegistrationRejected(address indexed sender, bytes32 indexed quoteHash, uint8 reason, bytes detail);
    event KeyRevoked(bytes20 indexed keyId);
    event FreshnessChanged(bool required, uint64 maxQuoteAge);
    event ChallengeIssued(address indexed requester, bytes32 nonce, bytes32 nonceHash);

    error NotOwner();
    error BadMeasurement();
    error BadStatus();

    constructor(address verifier_, uint32 tcbEvaluationDataNumber_, uint64 maxAge_) {
        owner = msg.sender;
        verifier = IAutomataDcapAttestation(verifier_);
        tcbEvaluationDataNumber = tcbEvaluationDataNumber_;
        maxAge = maxAge_;
        tdxAllowed = true;
        minimumTcbStatus = TCB_OK;
        emit OwnershipTransferred(address(0), msg.sender);
        emit VerifierChanged(verifier_, tcbEvaluationDataNumber_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    // --- policy (owner) ------------------------------------------------------------------------------

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setVerifier(address verifier_, uint32 tcbEvaluationDataNumber_) external onlyOwner {
        verifier = IAutomataDcapAttestation(verifier_);
        tcbEvaluationDataNumber = tcbEvaluationDataNumber_;
        emit VerifierChanged(verifier_, tcbEvaluationDataNumber_);
    }

    function setTeeTypes(bool sgx, bool tdx) external onlyOwner {
        sgxAllowed = sgx;
        tdxAllowed = tdx;
        emit TeeTypesChanged(sgx, tdx);
    }

    /// Accept statuses no more severe than `status` (an Automata code, never Revoked/Unrecognized).
    function setMinimumTcbStatus(uint8 status) external onlyOwner {
        if (statusRank(status) == type(uint8).max) {
            revert BadStatus();
        }
        minimumTcbStatus = status;
        emit MinimumTcbStatusChanged(status);
    }

    function setMaxAge(uint64 maxAge_) external onlyOwner {
        maxAge = maxAge_;
        emit MaxAgeChanged(maxAge_);
    }

    function setDebugAllowed(bool allowed) external onlyOwner {
        debugAllowed = allowed;
        emit DebugAllowedChanged(allowed);
    }

    function allowMrTd(bytes calldata mrTd, bool allowed) external onlyOwner {
        if (mrTd.length != MR_SIZE) revert BadMeasurement();
        bytes32 h = keccak256(mrTd);
        mrTdAllowed[h] = allowed;
        emit MrTdAllowed(h, allowed);
    }

    /// `rtmrs` is RTMR0 || RTMR1 || RTMR2 || RTMR3 (192 bytes).
    function allowRtmrs(bytes calldata rtmrs, bool allowed) external onlyOwner {
        if (rtmrs.length != TD_RTMRS_SIZE) revert BadMeasurement();
        bytes32 h = keccak256(rtmrs);
        rtmrsAllowed[h] = allowed;
        emit RtmrsAllowed(h, allowed);
    }

    function setRtmrsRequired(bool required) external onlyOwner {
        rtmrsRequired = required;
        emit RtmrsRequiredChanged(required);
    }

    function allowMrEnclave(bytes32 mrEnclave, bool allowed) external onlyOwner {
        mrEnclaveAllowed[mrEnclave] = allowed;
        emit MrEnclaveAllowed(mrEnclave, allowed);
    }

    /// Require quotes to answer a challenge issued at most `maxQuoteAge_` seconds before.
    function setFreshness(bool required, uint64 maxQuoteAge_) external onlyOwner {
        freshnessRequired = required;
        maxQuoteAge = maxQuoteAge_;
        emit FreshnessChanged(required, maxQuoteAge_);
    }

    function revoke(bytes20 keyId) external onlyOwner {
        delete registrations[keyId];
        emit KeyRevoked(keyId);
    }

    // --- registration ----------------------------------------------------------------------------

    /// Issues a nonce for a TEE to bind in report_data (dcapd's rule puts sha256(nonce) at
    /// offset 32); read it from ChallengeIssued. Anyone may ask; each answers one registration.
    function issueChallenge() external returns (bytes32 nonce) {
        challengeCount += 1;
        nonce = keccak256(abi.encodePacked(address(this), msg.sender, block.number, challengeCount));
        bytes32 nonceHash = sha256(abi.encodePacked(nonce));
        challengeIssuedAt[nonceHash] = uint64(block.timestamp);
        emit ChallengeIssued(msg.sender, nonce, nonceHash);
    }

    /// Verifies `rawQuote` through the configured verifier (forwarding msg.value for its fee) and
    /// registers the key its report_data binds. Returns the key id, or false and a zero id when the
    /// quote is refused (see RegistrationRejected).
    function register(bytes calldata rawQuote) external payable returns (bool registered, bytes20 keyId) {
        bytes32 quoteHash = keccak256(rawQuote);
        bool ok;
        bytes memory output;
        if (tcbEvaluationDataNumber == 0) {
            try verifier.verifyAndAttestOnChain{value: msg.value}(rawQuote) returns (bool s, bytes memory o) {
                (ok, output) = (s, o);
            } catch (bytes memory reason) {
                return _reject(quoteHash, REJECT_VERIFIER_REVERTED, reason);
            }
        } else {
            try verifier.verifyAndAttestOnChain{value: msg.value}(rawQuote, tcbEvaluationDataNumber) returns (
                bool s, bytes memory o
            ) {
                (ok, output) = (s, o);
            } catch (bytes memory reason) {
                return _reject(quoteHash, REJECT_VERIFIER_REVERTED, reason);
            }
        }
        if (!ok) {
            return _reject(quoteHash, REJECT_NOT_VERIFIED, output);
        }
        return _registerOutput(quoteHash, output);
    }

    function _registerOutput(bytes32 quoteHash, bytes memory output) private returns (bool, bytes20) {
        // Automata's V3/V4 SGX path answers (true, "TCBR") for a revoked TCB: anything shorter than
        // a header and the smallest body is not a verified output.
        if (output.length < OUT_BODY + SGX_BODY_SIZE) {
            return _reject(quoteHash, REJECT_OUTPUT_MALFORMED, output);
        }
        uint16 bodyType = uint16(uint8(output[OUT_BODY_TYPE])) << 8 | uint16(uint8(output[OUT_BODY_TYPE + 1]));
        uint256 bodySize = bodyType == BODY_SGX
            ? SGX_BODY_SIZE
            : bodyType == BODY_TD10 ? TD10_BODY_SIZE : bodyType == BODY_TD15 ? TD15_BODY_SIZE : 0;
        if (bodySize == 0 || output.length < OUT_BODY + bodySize) {
            return _reject(quoteHash, REJECT_OUTPUT_MALFORMED, output);
        }
        bool sgx = bodyType == BODY_SGX;
        if (sgx ? !sgxAllowed : !tdxAllowed) {
            return _reject(quoteHash, REJECT_TEE_NOT_ALLOWED, abi.encodePacked(bodyType));
        }
        uint8 status = uint8(output[OUT_TCB_STATUS]);
        if (!statusAccepted(status)) {
            return _reject(quoteHash, REJECT_TCB_STATUS, abi.encodePacked(status));
        }
        (uint8 reason, bytes32 measurement, uint256 reportData, bytes memory detail) = _checkBody(output, sgx);
        if (reason != 0) {
            return _reject(quoteHash, reason, detail);
        }
        return _bind(quoteHash, output, reportData, Registration({
            keyType: 0,
            tcbStatus: status,
            bodyType: bodyType,
            registeredAt: uint64(block.timestamp),
            expiresAt: uint64(block.timestamp) + maxAge,
            measurement: measurement,
            nonceHash: _word(output, reportData + RD_NONCE)
        }));
    }

    /// Reads the binding at `reportData` and registers its key with `r`.
    function _bind(bytes32 quoteHash, bytes memory output, uint256 reportData, Registration memory r)
        private
        returns (bool, bytes20)
    {
        bytes32 head = _word(output, reportData);
        uint8 keyType = uint8(head[RD_KEY_TYPE]);
        bool reservedZero = head[9] == 0 && head[10] == 0 && head[11] == 0;
        if (bytes8(head) != BINDING_MAGIC || !reservedZero || (keyType != KEY_P256 && keyType != KEY_SECP256K1)) {
            return _reject(quoteHash, REJECT_NO_BINDING, abi.encodePacked(head));
        }
        if (freshnessRequired) {
            uint64 issued = challengeIssuedAt[r.nonceHash];
            if (issued == 0 || block.timestamp > uint256(issued) + maxQuoteAge) {
                return _reject(quoteHash, REJECT_STALE, abi.encodePacked(r.nonceHash));
            }
            delete challengeIssuedAt[r.nonceHash];
        }
        bytes20 keyId = bytes20(head << (8 * RD_KEY_ID));
        r.keyType = keyType;
        registrations[keyId] = r;
        emit KeyRegistered(keyId, keyType, r.tcbStatus, r.expiresAt, r.measurement, quoteHash);
        return (true, keyId);
    }

    /// The body policy: no debug TEE, an allowed measurement. Returns a REJECT_ reason (0 = pass),
    /// the measurement and where report_data starts in `output`.
    function _checkBody(bytes memory output, bool sgx)
        private
        view
        returns (uint8 reason, bytes32 measurement, uint256 reportData, bytes memory detail)
    {
        if (sgx) {
            if (!debugAllowed && uint8(output[OUT_BODY + SGX_ATTRIBUTES]) & 0x02 != 0) {
                return (REJECT_DEBUG, 0, 0, "");
            }
            measurement = _word(output, OUT_BODY + SGX_MRENCLAVE);
            if (!mrEnclaveAllowed[measurement]) {
                return (REJECT_MEASUREMENT, measurement, 0, abi.encodePacked(measurement));
            }
            return (0, measurement, OUT_BODY + SGX_REPORT_DATA, "");
        }
        if (!debugAllowed && uint8(output[OUT_BODY + TD_ATTRIBUTES]) & 0x01 != 0) {
            return (REJECT_DEBUG, 0, 0, "");
        }
        measurement = _hash(output, OUT_BODY + TD_MRTD, MR_SIZE);
        if (!mrTdAllowed[measurement]) {
            return (REJECT_MEASUREMENT, measurement, 0, abi.encodePacked(measurement));
        }
        if (rtmrsRequired) {
            bytes32 rtmrs = _hash(output, OUT_BODY + TD_RTMR0, TD_RTMRS_SIZE);
            if (!rtmrsAllowed[rtmrs]) {
                return (REJECT_MEASUREMENT, measurement, 0, abi.encodePacked(rtmrs));
            }
        }
        return (0, measurement, OUT_BODY + TD_REPORT_DATA, "");
    }

    function _reject(bytes32 quoteHash, uint8 reason, bytes memory detail) private returns (bool, bytes20) {
        emit RegistrationRejected(msg.sender, quoteHash, reason, detail);
        return (false, bytes20(0));
    }

    // --- views -------------------------------------------------------------------------------------

    /// Whether `status` is accepted by the policy: never Revoked or Unrecognized, else no more
    /// severe than minimumTcbStatus.
    function statusAccepted(uint8 status) public view returns (bool) {
        uint8 rank = statusRank(status);
        return rank != type(uint8).max && rank <= statusRank(minimumTcbStatus);
    }

    /// Severity of an Automata status code, in Intel's order: UpToDate, SWHardeningNeeded,
    /// ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, TDRelaunchAdvised,
    /// TDRelaunchAdvisedConfigurationNeeded, OutOfDate, OutOfDateConfigurationNeeded; Revoked and
    /// unknown codes rank max.
    function statusRank(uint8 status) public pure returns (uint8) {
        if (status == 0) return 0;
        if (status == 1) return 1;
        if (status == 3) return 2;
        if (status == 2) return 3;
        if (status == 8) return 4;
        if (status == 9) return 5;
        if (status == 4) return 6;
        if (status == 5) return 7;
        return type(uint8).max;
    }

    /// Whether `keyId` is registered and not expired.
    function isRegistered(bytes20 keyId) public view returns (bool) {
        Registration storage r = registrations[keyId];
        return r.expiresAt != 0 && block.timestamp <= r.expiresAt;
    }

    /// Whether the secp256k1 key with Ethereum address `account` is registered and not expired.
    function isRegisteredAddress(address account) external view returns (bool) {
        bytes20 id = bytes20(account);
        return isRegistered(id) && registrations[id].keyType == KEY_SECP256K1;
    }

    function registration(bytes20 keyId) external view returns (Registration memory) {
        return registrations[keyId];
    }

    function _word(bytes memory b, uint256 offset) private pure returns (bytes32 w) {
        assembly {
            w := mload(add(add(b, 0x20), offset))
        }
    }

    function _hash(bytes memory b, uint256 offset, uint256 length) private pure returns (bytes32 h) {
        assembly {
            h := keccak256(add(add(b, 0x20), offset), length)
        }
    }
}
