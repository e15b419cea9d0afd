// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyLock} from "./utils/ReentrancyLock.sol";
import {IPaymentChannels} from "./interfaces/IPaymentChannels.sol";

/**
 * @title PaymentChannels
 * @dev Unidirectional ERC-20 payment channels settled with cumulative conditional tickets (see
 * {IPaymentChannels}). The on-chain cost of a redemption is O(1) per channel whatever the number of messages the
 * ticket covers, and {redeemMany} settles many channels in one transaction.
 *
 * Design choices:
 *
 * - The payee of a redemption is named in the ticket submission and is always the one paid: anyone (the payee,
 *   a keeper) may submit, nobody else can receive the money.
 * - {redeemMany} skips an entry that cannot be redeemed (emitting {RedemptionSkipped} with the error {redeem}
 *   would have raised) instead of reverting, so one bad or already-settled ticket never blocks a relay's batch.
 * - Funding a closing channel reverts: the payee decides whether to keep serving from the notice it saw.
 * - Tickets are verified with ECDSA only (no ERC-1271): contract signatures can be revoked after the payee
 *   accepted them, and an untrusted contract call inside a batch could make it run out of gas.
 *
 * The state a redemption touches is one storage slot per channel (balance, settled and epoch packed), so amounts
 * in a channel epoch are capped at {MAX_CHANNEL_AMOUNT} (2^112 - 1 base units, 5.19e15 tokens of 18
 * decimals); epochs are 32-bit on chain.
 *
 * IMPORTANT: the payment token must be a plain ERC-20: fee-on-transfer or rebasing tokens are not supported.
 */
contract PaymentChannels is IPaymentChannels, EIP712, ReentrancyLock {
    using SafeERC20 for IERC20;

    /// @notice Cap of `balance + settled` of a channel epoch.
    uint256 public constant MAX_CHANNEL_AMOUNT = type(uint112).max;

    bytes32 private constant TICKET_TYPEHASH =
        keccak256("Ticket(bytes32 channelId,uint64 epoch,uint128 cumulative,uint64 index,bytes32 challenge)");

    /// @dev The hot state of a channel: one slot. The channel exists in its epoch iff `balance + settled > 0`.
    struct State {
        uint112 balance;
        uint112 settled;
        uint32 epoch;
    }

    IERC20 private immutable _token;
    uint64 private immutable _noticePeriod;

    mapping(bytes32 channelId => State) private _states;
    mapping(bytes32 channelId => uint64) private _closesAt;

    /**
     * @param token_ The payment ERC-20.
     * @param noticePeriod_ Seconds between {initiateClose} and {finalizeClose}; non-zero.
     */
    constructor(IERC20 token_, uint64 noticePeriod_) EIP712("Sotto PaymentChannels", "1") {
        if (address(token_) == address(0)) revert PaymentChannelsInvalidToken(address(token_));
        if (noticePeriod_ == 0) revert PaymentChannelsInvalidNoticePeriod(noticePeriod_);
        _token = token_;
        _noticePeriod = noticePeriod_;
    }

    /// @inheritdoc IPaymentChannels
    function fund(address payee, uint128 amount) external nonReentrant {
        _fund(payee, amount);
    }

    /// @inheritdoc IPaymentChannels
    function fundWithPermit(address payee, uint128 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _fund(payee, amount);
    }

    /// @inheritdoc IPaymentChannels
    function redeem(Redemption calldata redemption) external nonReentrant returns (uint128 amount) {
        bytes memory err;
        (, amount, err) = _redeem(redemption);
        if (err.length != 0) {
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
        _token.safeTransfer(redemption.payee, amount);
    }

    /// @inheritdoc IPaymentChannels
    function redeemMany(Redemption[] calldata redemptions) external nonReentrant returns (uint128[] memory amounts) {
        uint256 count = redemptions.length;
        amounts = new uint128[](count);
        address payee;
        uint256 pending;
        for (uint256 i = 0; i < count; ++i) {
            Redemption calldata redemption = redemptions[i];
            (bytes32 id, uint128 amount, bytes memory err) = _redeem(redemption);
            if (err.length != 0) {
                emit RedemptionSkipped(id, redemption.payee, i, err);
                continue;
            }
            amounts[i] = amount;
            address entryPayee = redemption.payee;
            if (entryPayee != payee) {
                if (pending != 0) _token.safeTransfer(payee, pending);
                payee = entryPayee;
                pending = 0;
            }
            pending += amount;
        }
        if (pending != 0) _token.safeTransfer(payee, pending);
    }

    /// @inheritdoc IPaymentChannels
    function initiateClose(address payee) external {
        bytes32 id = channelId(msg.sender, payee);
        uint64 closesAt = _closesAt[id];
        if (closesAt != 0) revert PaymentChannelsChannelClosing(id, closesAt);
        State memory state = _states[id];
        if (state.balance == 0 && state.settled == 0) revert PaymentChannelsChannelNotOpen(id);
        closesAt = uint64(block.timestamp) + _noticePeriod;
        _closesAt[id] = closesAt;
        emit ChannelCloseInitiated(id, msg.sender, payee, state.epoch, closesAt);
    }

    /// @inheritdoc IPaymentChannels
    function finalizeClose(address payee) external nonReentrant returns (uint128 refund) {
        bytes32 id = channelId(msg.sender, payee);
        uint64 closesAt = _closesAt[id];
        if (closesAt == 0) revert PaymentChannelsNotClosing(id);
        if (block.timestamp < closesAt) revert PaymentChannelsNoticePeriodNotOver(id, closesAt);
        return _close(id, msg.sender, payee);
    }

    /// @inheritdoc IPaymentChannels
    function closeIncoming(address payer) external nonReentrant returns (uint128 refund) {
        bytes32 id = channelId(payer, msg.sender);
        State memory state = _states[id];
        if (state.balance == 0 && state.settled == 0) revert PaymentChannelsChannelNotOpen(id);
        return _close(id, payer, msg.sender);
    }

    /// @inheritdoc IPaymentChannels
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IPaymentChannels
    function noticePeriod() external view returns (uint64) {
        return _noticePeriod;
    }

    /// @inheritdoc IPaymentChannels
    function getChannel(address payer, address payee) external view returns (Channel memory) {
        bytes32 id = channelId(payer, payee);
        State memory state = _states[id];
        uint64 closesAt = _closesAt[id];
        ChannelStatus status = closesAt != 0
            ? ChannelStatus.Closing
            : (state.balance != 0 || state.settled != 0) ? ChannelStatus.Open : ChannelStatus.None;
        return Channel({
            balance: state.balance,
            settled: state.settled,
            epoch: state.epoch,
            closesAt: closesAt,
            status: status
        });
    }

    /// @inheritdoc IPaymentChannels
    function channelId(address payer, address payee) public pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, payer)
            mstore(0x20, payee)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @inheritdoc IPaymentChannels
    function hashTicket(bytes32 id, uint64 epoch, uint128 cumulative, uint64 index, bytes32 challenge)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(TICKET_TYPEHASH, id, epoch, cumulative, index, challenge)));
    }

    function _fund(address payee, uint128 amount) private {
        if (amount == 0) revert PaymentChannelsZeroAmount();
        if (payee == address(0) || payee == msg.sender) revert PaymentChannelsInvalidPayee(payee);
        bytes32 id = channelId(msg.sender, payee);
        uint64 closesAt = _closesAt[id];
        if (closesAt != 0) revert PaymentChannelsChannelClosing(id, closesAt);
        State memory state = _states[id];
        uint256 total = uint256(state.balance) + state.settled + amount;
        if (total > MAX_CHANNEL_AMOUNT) revert PaymentChannelsAmountOverflow(id, total, MAX_CHANNEL_AMOUNT);
        uint112 balance = state.balance + uint112(amount);
        _states[id].balance = balance;
        emit ChannelFunded(id, msg.sender, payee, state.epoch, amount, balance);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @dev Checks one redemption and, if it is valid, applies it (everything but the token transfer). On failure
     * returns the ABI-encoded custom error instead of reverting, and changes nothing.
     */
    function _redeem(Redemption calldata r) private returns (bytes32 id, uint128 amount, bytes memory err) {
        id = channelId(r.payer, r.payee);
        State memory state = _states[id];
        if (r.epoch != state.epoch) {
            return (id, 0, abi.encodeWithSelector(PaymentChannelsEpochMismatch.selector, id, r.epoch, state.epoch));
        }
        if (state.balance == 0 && state.settled == 0) {
            return (id, 0, abi.encodeWithSelector(PaymentChannelsChannelNotOpen.selector, id));
        }
        uint128 cumulative = r.cumulative;
        if (cumulative <= state.settled) {
            return (id, 0, abi.encodeWithSelector(PaymentChannelsStaleTicket.selector, id, cumulative, state.settled));
        }
        amount = cumulative - state.settled;
        if (amount > state.balance) {
            return (
                id,
                0,
                abi.encodeWithSelector(PaymentChannelsInsufficientBalance.selector, id, amount, state.balance)
            );
        }
        bytes32 challenge = r.challenge;
        if (challenge != 0 && keccak256(abi.encodePacked(r.response)) != challenge) {
            return (id, 0, abi.encodeWithSelector(PaymentChannelsInvalidResponse.selector, id, challenge, r.response));
        }
        bytes32 digest = hashTicket(id, r.epoch, cumulative, r.index, challenge);
        (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(digest, r.signature);
        if (recoverError != ECDSA.RecoverError.NoError || signer != r.payer) {
            return (id, 0, abi.encodeWithSelector(PaymentChannelsInvalidSignature.selector, id, signer));
        }

        // amount <= balance and cumulative = settled + amount <= balance + settled <= MAX_CHANNEL_AMOUNT.
        _states[id] = State({balance: state.balance - uint112(amount), settled: uint112(cumulative), epoch: state.epoch});
        emit TicketRedeemed(id, r.payer, r.payee, r.epoch, cumulative, amount);
    }

    /// @dev Ends the channel's epoch: refunds the balance to the payer, resets `settled`, advances the epoch.
    function _close(bytes32 id, address payer, address payee) private returns (uint128 refund) {
        State memory state = _states[id];
        refund = state.balance;
        _states[id] = State({balance: 0, settled: 0, epoch: state.epoch + 1});
        delete _closesAt[id];
        emit ChannelClosed(id, payer, payee, state.epoch, refund);
        if (refund != 0) _token.safeTransfer(payer, refund);
    }
}
