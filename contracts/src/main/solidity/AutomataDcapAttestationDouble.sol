// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import {IAutomataDcapAttestation} from "./IAutomataDcapAttestation.sol";

/// @title A test double of Automata's entry point that answers with configured results
/// @notice For tests only: it verifies nothing. Each quote (by keccak256 of its bytes) answers with
/// the result set for it, else with the default; a result can also be a revert with given data.
contract AutomataDcapAttestationDouble is IAutomataDcapAttestation {
    struct Result {
        bool configured;
        bool reverts;
        bool success;
        bytes data;
    }

    address public immutable owner;
    Result private defaultResult;
    mapping(bytes32 => Result) private results;

    /// The TCB evaluation data number of the last call (0 for the one-argument overload).
    uint32 public lastTcbEvaluationDataNumber;
    uint256 public calls;

    error NotOwner();

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    /// Answers `(success, output)` for quotes without their own result.
    function setDefaultResult(bool success, bytes calldata output) external onlyOwner {
        defaultResult = Result(true, false, success, output);
    }

    /// Answers `(success, output)` for the quote whose keccak256 is `quoteHash`.
    function setResult(bytes32 quoteHash, bool success, bytes calldata output) external onlyOwner {
        results[quoteHash] = Result(true, false, success, output);
    }

    /// Reverts with exactly `revertData` (e.g. an encoded custom error, or empty) for that quote.
    function setRevert(bytes32 quoteHash, bytes calldata revertData) external onlyOwner {
        results[quoteHash] = Result(true, true, false, revertData);
    }

    function verifyAndAttestOnChain(bytes calldata rawQuote)
        external
        payable
        override
        returns (bool success, bytes memory output)
    {
        return _answer(rawQuote, 0);
    }

    function verifyAndAttestOnChain(bytes calldata rawQuote, uint32 tcbEvaluationDataNumber)
        external
        payable
        override
        returns (bool success, bytes memory output)
    {
        return _answer(rawQuote, tcbEvaluationDataNumber);
    }

    function _answer(bytes calldata rawQuote, uint32 tcbEvaluationDataNumber)
        private
        returns (bool success, bytes memory output)
    {
        Result memory r = results[keccak256(rawQuote)];
        if (!r.configured) {
            r = defaultResult;
        }
        if (r.reverts) {
            bytes memory data = r.data;
            assembly {
                revert(add(data, 0x20), mload(data))
            }
        }
        calls += 1;
        lastTcbEvaluationDataNumber = tcbEvaluationDataNumber;
        emit AttestationSubmitted(r.success, 0, r.data);
        return (r.success, r.data);
    }
}
