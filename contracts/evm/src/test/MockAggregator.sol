// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MockAggregator
/// @notice TEST ONLY - anyone can set the price. Mirrors Chainlink's AggregatorV3Interface
///         (`decimals`, `description`, `version`, `getRoundData`, `latestRoundData`) so the oracle
///         reader can be tested against real on-chain calls, including stale and carried-over rounds.
contract MockAggregator {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
        uint80 answeredInRound;
        bool exists;
    }

    /// @notice Answers are fixed point with this many decimals (e.g. 8 for USD pairs).
    uint8 public immutable decimals;
    string public description;
    /// @notice Chainlink's interface version this mock follows.
    uint256 public constant version = 4;

    uint80 public latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    /// @notice `getRoundData` asked for a round that was never written (Chainlink reverts too).
    error NoDataPresent(uint80 roundId);
    /// @notice `latestRoundData` before any answer was set.
    error NoRounds();
    /// @notice Round ids start at 1, as Chainlink's do; 0 is "no round yet".
    error ZeroRoundId();

    constructor(uint8 decimals_, string memory description_) {
        decimals = decimals_;
        description = description_;
    }

    /// @notice Publish `answer` (scaled by 10^decimals) as a new round updated at `updatedAt`
    ///         (unix seconds; tests pass old values to simulate staleness).
    function setAnswer(int256 answer, uint256 updatedAt) external {
        uint80 roundId = latestRound + 1;
        _rounds[roundId] = Round(answer, updatedAt, updatedAt, roundId, true);
        latestRound = roundId;
    }

    /// @notice Write any round verbatim, e.g. `answeredInRound < roundId` (an answer carried over
    ///         from an earlier round), and make it the latest if it is newer.
    function setRoundData(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
        external
    {
        if (roundId == 0) revert ZeroRoundId();
        _rounds[roundId] = Round(answer, startedAt, updatedAt, answeredInRound, true);
        if (roundId > latestRound) latestRound = roundId;
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = _rounds[roundId];
        if (!round.exists) revert NoDataPresent(roundId);
        return (roundId, round.answer, round.startedAt, round.updatedAt, round.answeredInRound);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        if (latestRound == 0) revert NoRounds();
        return getRoundData(latestRound);
    }
}
