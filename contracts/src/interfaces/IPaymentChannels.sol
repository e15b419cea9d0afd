// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IPaymentChannels
 * @dev Interface of Sotto's unidirectional payment channels with cumulative, conditional tickets.
 *
 * A channel pays one payee from one payer; its id is `keccak256(abi.encode(payer, payee))`. Within an epoch
 * the payer signs EIP-712 tickets
 * `Ticket(bytes32 channelId,uint64 epoch,uint128 cumulative,uint64 index,bytes32 challenge)` under the domain
 * `{name: "Sotto PaymentChannels", version: "1", chainId, verifyingContract}`. A ticket with a non-zero
 * `challenge` is redeemable only with the 32-byte `response` such that
 * `keccak256(abi.encodePacked(response)) == challenge`; a zero challenge is an unconditional voucher. Redeeming
 * pays the payee `cumulative - settled` and sets `settled = cumulative`: one redemption settles any number of
 * messages. `index` is signed but not interpreted on chain.
 *
 * Closing: the payer calls {initiateClose}, the payee can still redeem during the notice period, then the
 * payer calls {finalizeClose} to recover the balance. The payee can close at once with {closeIncoming}. Either
 * way the epoch advances and `settled` restarts at zero: every ticket of the old epoch becomes worthless.
 */
interface IPaymentChannels {
    /**
     * @dev Channel status. `None`: never funded, or closed (the next {fund} opens a new epoch).
     */
    enum ChannelStatus {
        None,
        Open,
        Closing
    }

    /**
     * @dev A channel's state.
     * @param balance Funds still available to the payee in this epoch.
     * @param settled Cumulative amount already paid out in this epoch.
     * @param epoch Current epoch; only tickets of this epoch are redeemable.
     * @param closesAt Zero unless closing; then the time from which the payer can {finalizeClose}.
     * @param status See {ChannelStatus}.
     */
    struct Channel {
        uint128 balance;
        uint128 settled;
        uint64 epoch;
        uint64 closesAt;
        ChannelStatus status;
    }

    /**
     * @dev A ticket submitted for redemption, with the response that unlocks it.
     * @param payer The channel's payer, who signed the ticket.
     * @param payee The channel's payee, who receives the payment (whoever submits the transaction).
     * @param epoch Ticket field `epoch`.
     * @param cumulative Ticket field `cumulative`.
     * @param index Ticket field `index`.
     * @param challenge Ticket field `challenge`.
     * @param response Preimage of `challenge`; ignored when `challenge` is zero.
     * @param signature The payer's 65-byte ECDSA signature (`r ‖ s ‖ v`, low `s`).
     */
    struct Redemption {
        address payer;
        address payee;
        uint64 epoch;
        uint128 cumulative;
        uint64 index;
        bytes32 challenge;
        bytes32 response;
        bytes signature;
    }

    /**
     * @dev The payer added `amount`; the channel's balance is now `balance`.
     */
    event ChannelFunded(
        bytes32 indexed channelId,
        address indexed payer,
        address indexed payee,
        uint64 epoch,
        uint128 amount,
        uint128 balance
    );

    /**
     * @dev A ticket for `cumulative` paid `amount` to the payee.
     */
    event TicketRedeemed(
        bytes32 indexed channelId,
        address indexed payer,
        address indexed payee,
        uint64 epoch,
        uint128 cumulative,
        uint128 amount
    );

    /**
     * @dev {redeemMany} skipped entry `position`; `reason` is the ABI-encoded custom error {redeem} would
     * have reverted with.
     */
    event RedemptionSkipped(bytes32 indexed channelId, address indexed payee, uint256 position, bytes reason);

    /**
     * @dev The payer announced closure; it can finalize from `closesAt`.
     */
    event ChannelCloseInitiated(
        bytes32 indexed channelId,
        address indexed payer,
        address indexed payee,
        uint64 epoch,
        uint64 closesAt
    );

    /**
     * @dev Epoch `epoch` of the channel ended; `refund` went back to the payer.
     */
    event ChannelClosed(
        bytes32 indexed channelId,
        address indexed payer,
        address indexed payee,
        uint64 epoch,
        uint128 refund
    );

    /**
     * @dev The payment token is the zero address.
     */
    error PaymentChannelsInvalidToken(address token);

    /**
     * @dev The close notice period is zero.
     */
    error PaymentChannelsInvalidNoticePeriod(uint64 noticePeriod);

    /**
     * @dev Funding with zero.
     */
    error PaymentChannelsZeroAmount();

    /**
     * @dev The payee is the zero address or the payer itself.
     */
    error PaymentChannelsInvalidPayee(address payee);

    /**
     * @dev The channel's balance plus settled amount would exceed {MAX_CHANNEL_AMOUNT}.
     * @param channelId The channel.
     * @param total The would-be total.
     * @param max {MAX_CHANNEL_AMOUNT}.
     */
    error PaymentChannelsAmountOverflow(bytes32 channelId, uint256 total, uint256 max);

    /**
     * @dev The channel is closing (no funding, no second {initiateClose}).
     * @param channelId The channel.
     * @param closesAt When the payer can finalize.
     */
    error PaymentChannelsChannelClosing(bytes32 channelId, uint64 closesAt);

    /**
     * @dev The channel is not open in its current epoch.
     */
    error PaymentChannelsChannelNotOpen(bytes32 channelId);

    /**
     * @dev {finalizeClose} without {initiateClose}.
     */
    error PaymentChannelsNotClosing(bytes32 channelId);

    /**
     * @dev The notice period has not passed.
     * @param channelId The channel.
     * @param closesAt When the payer can finalize.
     */
    error PaymentChannelsNoticePeriodNotOver(bytes32 channelId, uint64 closesAt);

    /**
     * @dev The ticket is not for the channel's current epoch.
     * @param channelId The channel.
     * @param ticketEpoch The ticket's epoch.
     * @param currentEpoch The channel's epoch.
     */
    error PaymentChannelsEpochMismatch(bytes32 channelId, uint64 ticketEpoch, uint64 currentEpoch);

    /**
     * @dev The ticket's cumulative amount is not above what was already settled (stale or replayed).
     * @param channelId The channel.
     * @param cumulative The ticket's cumulative amount.
     * @param settled The channel's settled amount.
     */
    error PaymentChannelsStaleTicket(bytes32 channelId, uint128 cumulative, uint128 settled);

    /**
     * @dev The ticket would pay more than the channel's balance.
     * @param channelId The channel.
     * @param amount `cumulative - settled`.
     * @param balance The channel's balance.
     */
    error PaymentChannelsInsufficientBalance(bytes32 channelId, uint128 amount, uint128 balance);

    /**
     * @dev `keccak256(response) != challenge`.
     */
    error PaymentChannelsInvalidResponse(bytes32 channelId, bytes32 challenge, bytes32 response);

    /**
     * @dev The signature is malformed or not the payer's over this ticket, chain and contract.
     * @param channelId The channel.
     * @param signer The recovered signer (zero if the signature is malformed).
     */
    error PaymentChannelsInvalidSignature(bytes32 channelId, address signer);

    /**
     * @notice Opens or tops up the caller's channel to `payee` with `amount` of {token} (approve first).
     * @dev Opening a closed channel starts its new epoch. Reverts while the channel is closing: a payer who
     * changes its mind finalizes and funds again. Emits {ChannelFunded}.
     * @param payee The payee.
     * @param amount The amount; non-zero.
     */
    function fund(address payee, uint128 amount) external;

    /**
     * @notice {fund} with an ERC-2612 permit for this contract instead of a prior approval.
     * @dev A failing permit is ignored (it may have been front-run); the transfer then needs an allowance.
     * @param payee The payee.
     * @param amount The amount; non-zero.
     * @param deadline The permit's deadline.
     * @param v Permit signature `v`.
     * @param r Permit signature `r`.
     * @param s Permit signature `s`.
     */
    function fundWithPermit(address payee, uint128 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external;

    /**
     * @notice Redeems one ticket and pays `redemption.payee`; anyone may submit it.
     * @dev Reverts with the reason if the ticket is not redeemable. Emits {TicketRedeemed}.
     * @param redemption The ticket, its response and signature.
     * @return amount The amount paid (`cumulative - settled`).
     */
    function redeem(Redemption calldata redemption) external returns (uint128 amount);

    /**
     * @notice Redeems tickets of many channels (any payers, any payees) in one transaction.
     * @dev An entry that is not redeemable is skipped with {RedemptionSkipped} and the rest are still paid.
     * Payments to the same payee in consecutive entries are added up into one token transfer: sort entries
     * by payee. Entries of the same channel are applied in order. Emits {TicketRedeemed} for each paid entry.
     * @param redemptions The tickets.
     * @return amounts The amount paid for each entry (zero if skipped).
     */
    function redeemMany(Redemption[] calldata redemptions) external returns (uint128[] memory amounts);

    /**
     * @notice The payer announces the closure of its channel to `payee`; it can finalize after the notice.
     * @dev Emits {ChannelCloseInitiated}.
     * @param payee The payee.
     */
    function initiateClose(address payee) external;

    /**
     * @notice After the notice period, returns the balance to the payer and advances the epoch.
     * @dev Emits {ChannelClosed}.
     * @param payee The payee.
     * @return refund The amount returned to the payer.
     */
    function finalizeClose(address payee) external returns (uint128 refund);

    /**
     * @notice The payee closes its channel from `payer` at once: the balance returns to the payer and the
     * epoch advances. Redeem your best ticket first.
     * @dev Emits {ChannelClosed}.
     * @param payer The payer.
     * @return refund The amount returned to the payer.
     */
    function closeIncoming(address payer) external returns (uint128 refund);

    /**
     * @notice The payment token.
     */
    function token() external view returns (address);

    /**
     * @notice Seconds between {initiateClose} and {finalizeClose}.
     */
    function noticePeriod() external view returns (uint64);

    /**
     * @notice The state of the channel from `payer` to `payee`.
     */
    function getChannel(address payer, address payee) external view returns (Channel memory);

    /**
     * @notice The id of the channel from `payer` to `payee`: `keccak256(abi.encode(payer, payee))`.
     */
    function channelId(address payer, address payee) external pure returns (bytes32);

    /**
     * @notice The EIP-712 digest of a ticket for this contract and chain (what the payer signs).
     */
    function hashTicket(bytes32 id, uint64 epoch, uint128 cumulative, uint64 index, bytes32 challenge)
        external
        view
        returns (bytes32);
}
