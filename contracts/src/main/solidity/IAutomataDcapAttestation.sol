// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title The entry point of Automata's on-chain DCAP attestation (AutomataDcapAttestationFee, v1.1+)
/// @notice Only the functions a consumer calls. A successful `output` is the packed VerifiedOutput:
/// uint16 quoteVersion (BE) | uint16 quoteBodyType (BE: 1 SGX, 2 TD1.0, 3 TD1.5) | uint8 tcbStatus |
/// bytes6 fmspc | raw quote body (384, 584 or 648 bytes) | abi.encode(string[] advisoryIDs), the
/// last part absent when there are none. A failure is `(false, bytes(reason))` or a revert.
interface IAutomataDcapAttestation {
    /// Emitted on every verification; verifierType 0 is the fully on-chain route.
    event AttestationSubmitted(bool success, uint8 verifierType, bytes output);

    /// Verifies `rawQuote` with the TCB evaluation data number the PCCS calls "standard".
    function verifyAndAttestOnChain(bytes calldata rawQuote)
        external
        payable
        returns (bool success, bytes memory output);

    /// Verifies `rawQuote` against the collateral of `tcbEvaluationDataNumber` (0 = standard).
    function verifyAndAttestOnChain(bytes calldata rawQuote, uint32 tcbEvaluationDataNumber)
        external
        payable
        returns (bool success, bytes memory output);
}
